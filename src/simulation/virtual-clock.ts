/**
 * The one clock of a simulated world: the destination's `now`, the runtime stores' TTLs and Segment's retry schedule
 * all read it. It moves only when the simulation says, and never backwards; invocations run at a fixed instant.
 */
export class VirtualClock {
  private current: number

  constructor(start: number) {
    this.current = start
  }

  readonly now = (): number => this.current

  advanceTo(time: number): void {
    if (time < this.current) {
      throw new RangeError(
        `The virtual clock cannot go back from ${new Date(this.current).toISOString()} to ${new Date(time).toISOString()}.`
      )
    }
    this.current = time
  }
}
