/** What the tabs of one wallet tell each other for the timeline and the log, over BroadcastChannel. */

export type Phase = 'joined' | 'done' | 'lost';

export type DemoEvent =
  | { kind: 'hello'; tab: string; backend: string }
  | { kind: 'bye'; tab: string }
  | { kind: 'service'; tab: string; host: string; epoch: number }
  | { kind: 'backup'; tab: string }
  | { kind: 'round'; tab: string; round: number; phase: Phase; generation?: number | undefined; detail?: string }
  | { kind: 'reload'; tab: string; generation?: number | undefined; balance: number }
  | { kind: 'zombie'; tab: string; outcome: 'frozen' | 'rejected' | 'accepted'; detail?: string }
  | { kind: 'leader'; tab: string; term: number; phase: 'elected' | 'ended' | 'refused'; detail?: string };

export type Stamped = DemoEvent & { at: number };

export class Bus {
  readonly #channel: BroadcastChannel;
  readonly #listeners = new Set<(event: Stamped) => void>();

  constructor(wallet: string) {
    this.#channel = new BroadcastChannel(`crosslock-demo:${wallet}`);
    this.#channel.onmessage = (message: MessageEvent<Stamped>) => this.#deliver(message.data);
  }

  /** Tells every tab, this one included. */
  emit(event: DemoEvent): void {
    const stamped = { ...event, at: Date.now() } as Stamped;
    this.#channel.postMessage(stamped);
    this.#deliver(stamped);
  }

  on(listener: (event: Stamped) => void): void {
    this.#listeners.add(listener);
  }

  #deliver(event: Stamped): void {
    for (const listener of this.#listeners) listener(event);
  }
}
