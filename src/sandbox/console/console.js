// The sandbox console: draws GET /_sandbox/overview and asks POST /_sandbox/lookup. Plain browser script, no build.
// Every value from the sandbox (segment names above all: clients choose them) is set as text or as an attribute,
// never parsed as markup.
'use strict'
;(function () {
  const REFRESH_MS = 3000
  const SVG_NS = 'http://www.w3.org/2000/svg'
  const numbers = new Intl.NumberFormat('en-US')

  /** An element with a class, text or children; strings become text nodes. */
  function el(tag, className, ...children) {
    const node = document.createElement(tag)
    if (className) node.className = className
    for (const child of children) {
      if (child === null || child === undefined) continue
      node.append(typeof child === 'string' ? document.createTextNode(child) : child)
    }
    return node
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG_NS, tag)
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
    for (const child of children) node.append(child)
    return node
  }

  function svgText(x, y, text, className, anchor) {
    const node = svg('text', { x, y, class: className, 'text-anchor': anchor || 'middle' })
    node.textContent = text
    return node
  }

  function count(n, one, many) {
    return `${numbers.format(n)} ${n === 1 ? one : many}`
  }

  function pad(n) {
    return String(n).padStart(2, '0')
  }

  function dateTime(iso) {
    const d = new Date(iso)
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  }

  function clock(d) {
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  }

  // ---- the segment chart: size after each upload, a step line with one marker per drop ----

  const CHART = { width: 720, height: 190, left: 64, right: 20, top: 22, bottom: 34 }
  const MIN_CHART_STEPS = 8
  const MIN_LABEL_GAP = 44

  /** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
  function niceMax(value) {
    if (value <= 0) return 10
    const power = Math.pow(10, Math.floor(Math.log10(value)))
    for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power
    return 10 * power
  }

  function markerClass(drop) {
    if (drop.status === 'uploaded') return drop.mergeMode === 'Replace' ? 'replace' : 'add'
    return drop.status === 'rejected' ? 'rejected' : 'waiting'
  }

  function dropSummary(drop, number, size) {
    const parts = [`Upload ${number}`, drop.mergeMode, count(drop.lineCount, 'line', 'lines'), drop.status]
    if (size !== undefined) parts.push(`size ${numbers.format(size)}`)
    return parts.join(' · ')
  }

  function chart(segment) {
    const drops = segment.drops
    const { width, height, left, right, top, bottom } = CHART
    const plotWidth = width - left - right
    const plotHeight = height - top - bottom
    // Size after each drop: an applied upload sets it, anything else leaves it where it was. Before the first
    // shown drop the segment was empty, unless earlier drops were left out of the answer.
    const startsEmpty = segment.earlierDrops === 0
    let size = startsEmpty ? 0 : undefined
    const sizes = drops.map((drop) => {
      if (drop.status === 'uploaded' && typeof drop.memberCountAfter === 'number') size = drop.memberCountAfter
      return size
    })
    const known = sizes.filter((s) => s !== undefined)
    const yMax = niceMax(Math.max(segment.memberCount, ...known, 0))
    const slots = drops.length + (startsEmpty ? 1 : 0)
    // A few uploads keep a fixed spacing instead of stretching across the whole width.
    const step = plotWidth / Math.max(slots - 1, MIN_CHART_STEPS)
    const xOf = (i) => left + i * step
    const yOf = (value) => top + plotHeight - (value / yMax) * plotHeight

    const root = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      class: 'chart',
      role: 'img',
      'aria-label': `Segment size over ${count(drops.length, 'upload', 'uploads')}; now ${numbers.format(segment.memberCount)}`
    })
    for (const fraction of [0, 0.5, 1]) {
      const y = yOf(yMax * fraction)
      root.append(svg('line', { x1: left, x2: width - right, y1: y, y2: y, class: 'grid' }))
      root.append(svgText(left - 10, y + 4, numbers.format(yMax * fraction), 'axis', 'end'))
    }

    const points = []
    if (startsEmpty) points.push({ x: xOf(0), y: yOf(0) })
    drops.forEach((_, i) => {
      if (sizes[i] !== undefined) points.push({ x: xOf(i + (startsEmpty ? 1 : 0)), y: yOf(sizes[i]) })
    })
    if (points.length > 0) {
      let line = `M${points[0].x},${points[0].y}`
      for (const p of points.slice(1)) line += ` H${p.x} V${p.y}`
      const baseline = yOf(0)
      root.append(
        svg('path', { d: `${line} V${baseline} H${points[0].x} Z`, class: 'area' }),
        svg('path', { d: line, class: 'line' })
      )
    }
    if (startsEmpty) root.append(svgText(xOf(0), height - 12, 'created', 'axis'))

    // Axis labels at least MIN_LABEL_GAP apart: every n-th slot, and the last drop when it has room.
    const labelEvery = Math.max(1, Math.ceil(MIN_LABEL_GAP / step))
    let lastLabelX = startsEmpty ? xOf(0) : -Infinity
    const letters = drops.length <= 24
    drops.forEach((drop, i) => {
      const number = segment.earlierDrops + i + 1
      const x = xOf(i + (startsEmpty ? 1 : 0))
      const y = yOf(sizes[i] === undefined ? 0 : sizes[i])
      const kind = markerClass(drop)
      const title = svg('title', {})
      title.textContent = dropSummary(drop, number, sizes[i])
      const marker =
        kind === 'rejected'
          ? svg(
              'path',
              {
                d: `M${x - 5},${y - 5} L${x + 5},${y + 5} M${x + 5},${y - 5} L${x - 5},${y + 5}`,
                class: 'marker rejected'
              },
              title
            )
          : svg('circle', { cx: x, cy: y, r: 5.5, class: `marker ${kind}` }, title)
      root.append(marker)
      if (letters) root.append(svgText(x, y - 11, drop.mergeMode === 'Replace' ? 'R' : 'A', `mode-letter ${kind}`))
      const slot = i + (startsEmpty ? 1 : 0)
      const last = i === drops.length - 1
      if (slot % labelEvery === 0 || (last && x - lastLabelX >= MIN_LABEL_GAP)) {
        root.append(svgText(x, height - 12, `#${number}`, 'axis'))
        lastLabelX = x
      }
    })
    return root
  }

  function legend() {
    const items = [
      ['replace', 'Replace'],
      ['add', 'Add'],
      ['rejected', 'Rejected (nothing applied)'],
      ['waiting', 'Not uploaded (pending or expired)']
    ]
    return el('ul', 'legend', ...items.map(([kind, label]) => el('li', '', el('span', `swatch ${kind}`), label)))
  }

  // ---- the timeline table ----

  function timeline(segment) {
    const columns = [
      '#',
      'Time',
      'Merge mode',
      'PII type',
      'Lines',
      'Distinct',
      'Rejected lines',
      'Status',
      'Size after'
    ]
    const numeric = new Set(['#', 'Lines', 'Distinct', 'Rejected lines', 'Size after'])
    const head = el('tr', '', ...columns.map((h) => el('th', numeric.has(h) ? 'num' : '', h)))
    let size = segment.earlierDrops === 0 ? 0 : undefined
    const rows = segment.drops.map((drop, i) => {
      if (drop.status === 'uploaded' && typeof drop.memberCountAfter === 'number') size = drop.memberCountAfter
      return el(
        'tr',
        `drop ${markerClass(drop)}`,
        el('td', 'num', String(segment.earlierDrops + i + 1)),
        el('td', 'time', dateTime(drop.uploadedAt || drop.createdAt)),
        el('td', '', el('span', `badge ${drop.mergeMode === 'Replace' ? 'replace' : 'add'}`, drop.mergeMode)),
        el('td', '', drop.piiType),
        el('td', 'num', numbers.format(drop.lineCount)),
        el('td', 'num', numbers.format(drop.distinctCount)),
        el('td', 'num', numbers.format(drop.rejectedLines)),
        el('td', '', el('span', `drop-status ${drop.status}`, drop.status)),
        el('td', 'num', size === undefined ? '–' : numbers.format(size))
      )
    })
    const table = el('table', 'timeline', el('thead', '', head), el('tbody', '', ...rows.reverse()))
    const note =
      segment.earlierDrops > 0
        ? el('p', 'hint', `${count(segment.earlierDrops, 'earlier drop', 'earlier drops')} not shown.`)
        : null
    return el('div', 'timeline-wrap', table, note)
  }

  // ---- segments, advertisers, faults ----

  function fact(label, value) {
    return el('div', 'fact', el('dt', '', label), el('dd', '', value))
  }

  function segmentCard(segment) {
    const card = el('article', 'segment')
    card.dataset.crmDataId = segment.crmDataId
    const facts = el(
      'dl',
      'facts',
      fact('Region', el('span', 'badge region', segment.region)),
      fact('CrmDataId', el('code', 'crm-data-id', segment.crmDataId)),
      fact('FirstPartyDataId', String(segment.firstPartyDataId))
    )
    const size = el(
      'div',
      'size',
      el('span', 'size-value', numbers.format(segment.memberCount)),
      el('span', 'size-label', segment.memberCount === 1 ? 'member' : 'members')
    )
    card.append(
      el('header', 'segment-header', el('div', '', el('h3', 'segment-name', segment.segmentName), facts), size)
    )
    if (segment.drops.length === 0) {
      card.append(el('p', 'empty', 'No drops yet: the segment exists but nothing was uploaded to it.'))
      return card
    }
    card.append(
      el('figure', 'chart-figure', chart(segment), el('figcaption', '', 'Segment size after each upload', legend())),
      timeline(segment)
    )
    return card
  }

  function advertiserSection(advertiser) {
    const heading = el(
      'h2',
      '',
      'Advertiser ',
      el('code', '', advertiser.advertiserId),
      el('span', 'subtle', ` · ${count(advertiser.segments.length + advertiser.moreSegments, 'segment', 'segments')}`)
    )
    const section = el('section', 'advertiser', heading)
    if (advertiser.segments.length === 0) {
      section.append(el('p', 'empty panel', 'No segments yet. A sync creates its segment on first use.'))
    }
    for (const segment of advertiser.segments) section.append(segmentCard(segment))
    if (advertiser.moreSegments > 0) {
      section.append(el('p', 'hint', `${count(advertiser.moreSegments, 'more segment', 'more segments')} not shown.`))
    }
    return section
  }

  function faultEffect(rule) {
    return Object.entries(rule)
      .filter(([key]) => key !== 'route' && key !== 'times')
      .map(([key, value]) => (value === true ? key : `${key} ${value}`))
      .join(', ')
  }

  function faultList(faults) {
    if (faults.length === 0) {
      return el('p', 'empty', 'None: every call is answered normally. Set rules with PUT /_sandbox/faults.')
    }
    const rows = faults.map((rule) =>
      el(
        'tr',
        '',
        el('td', '', el('span', 'badge route', rule.route)),
        el('td', '', faultEffect(rule) || 'no effect'),
        el('td', 'num', rule.times === undefined ? 'until cleared' : `${count(rule.times, 'more use', 'more uses')}`)
      )
    )
    const head = el('tr', '', el('th', '', 'Route'), el('th', '', 'Effect'), el('th', 'num', 'Applies'))
    return el('table', 'faults', el('thead', '', head), el('tbody', '', ...rows))
  }

  function render(overview) {
    document.getElementById('minimum').textContent =
      `at least ${numbers.format(overview.minDistinct)} distinct identifiers per upload`
    document.getElementById('advertisers').replaceChildren(...overview.advertisers.map(advertiserSection))
    document.getElementById('faults').replaceChildren(faultList(overview.faults))
  }

  function setStatus(text, failing) {
    const status = document.getElementById('status')
    status.textContent = text
    status.classList.toggle('failing', Boolean(failing))
  }

  let lastAnswer = ''
  async function refresh() {
    try {
      const response = await fetch('/_sandbox/overview', { cache: 'no-store' })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const text = await response.text()
      // Redrawing only on change keeps scroll positions and selections while nothing happens.
      if (text !== lastAnswer) {
        render(JSON.parse(text))
        lastAnswer = text
      }
      setStatus(`Updated ${clock(new Date())}; refreshes every ${REFRESH_MS / 1000} s`)
    } catch (error) {
      setStatus(`Cannot reach the sandbox (${error.message}); trying again`, true)
    }
  }

  // ---- membership lookup ----

  const KIND_LABEL = { email: 'an email address', phone: 'a phone number', hash: 'a SHA-256 digest' }

  function verdict(kind, text) {
    return el('p', `verdict ${kind}`, el('span', 'mark', kind === 'present' ? '✓' : '✗'), ' ', text)
  }

  function lookupAnswer(answer) {
    const readAs = el('p', 'hint', `Read as ${KIND_LABEL[answer.kind]}`)
    if (!answer.valid) {
      readAs.append(answer.kind === 'phone' ? ' (it has no @).' : '.')
      return [verdict('invalid', `Not a valid identifier: ${answer.reason}`), readAs]
    }
    readAs.append('; stored as ', el('code', 'member-key', answer.memberKey), '.')
    if (answer.memberOfCount === 0) {
      const checked = count(answer.segmentsChecked, 'segment', 'segments')
      return [verdict('absent', `Not in any segment (${checked} checked).`), readAs]
    }
    const list = el(
      'ul',
      'member-of',
      ...answer.memberOf.map((s) =>
        el('li', '', el('strong', '', s.segmentName), ` · ${s.region} · `, el('code', '', s.crmDataId))
      )
    )
    const found = `In ${numbers.format(answer.memberOfCount)} of ${count(answer.segmentsChecked, 'segment', 'segments')}:`
    return [verdict('present', found), list, readAs]
  }

  async function lookUp(event) {
    event.preventDefault()
    const input = document.getElementById('identifier')
    const target = document.getElementById('lookup-answer')
    target.replaceChildren(el('p', 'hint', 'Checking…'))
    try {
      const response = await fetch('/_sandbox/lookup', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ identifier: input.value })
      })
      const body = await response.json()
      if (!response.ok) throw new Error(body.Message || `HTTP ${response.status}`)
      target.replaceChildren(...lookupAnswer(body))
    } catch (error) {
      target.replaceChildren(verdict('invalid', `The lookup failed: ${error.message}`))
    }
  }

  document.getElementById('api-base-url').textContent = `${location.origin}/v3`
  document.getElementById('lookup-form').addEventListener('submit', lookUp)
  refresh()
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh()
  }, REFRESH_MS)
})()
