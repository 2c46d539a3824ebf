/**
 * The live timeline: rounds across, tabs down; a cell is the tab that held that round's lock. Solid:
 * took part and credited the wallet, labelled with the wallet lock's generation (last digits: it goes up
 * each time a different tab writes the wallet). Pale: working. Red: lost the round.
 */
import type { Phase, Stamped } from './bus.js';

const COLOURS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#db2777', '#0891b2', '#65a30d', '#dc2626'];
const SVG = 'http://www.w3.org/2000/svg';

export class Timeline {
  readonly #tabs: string[] = [];
  readonly #cells = new Map<string, { phase: Phase; generation: number | undefined }>();
  readonly #closed = new Set<string>();

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly me: string,
    private columns = 12,
  ) {}

  setColumns(columns: number): void {
    this.columns = columns;
  }

  colour(tab: string): string {
    const at = this.#tabs.indexOf(tab);
    return COLOURS[(at < 0 ? 0 : at) % COLOURS.length]!;
  }

  apply(event: Stamped): void {
    // Rows are tabs (they say hello or take rounds); the wallet service's own events have no row.
    if ((event.kind === 'hello' || event.kind === 'round') && !this.#tabs.includes(event.tab)) this.#tabs.push(event.tab);
    if (event.kind === 'round') this.#cells.set(`${event.round}:${event.tab}`, { phase: event.phase, generation: event.generation });
    if (event.kind === 'bye') this.#closed.add(event.tab);
  }

  render(currentRound: number): void {
    const left = 118;
    const top = 28;
    const cell = 40;
    const rows = Math.max(this.#tabs.length, 1);
    const width = left + this.columns * cell + 8;
    const height = top + rows * cell + 8;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.replaceChildren();
    const first = currentRound - this.columns + 1;
    for (let c = 0; c < this.columns; c++) {
      const round = first + c;
      this.#text(left + c * cell + cell / 2, 18, `#${round % 1000}`, round === currentRound ? 'now' : 'round');
    }
    this.#tabs.forEach((tab, r) => {
      const y = top + r * cell;
      const label = tab === this.me ? `▸ ${tab}` : this.#closed.has(tab) ? `${tab} (closed)` : tab;
      this.#text(4, y + cell / 2 + 4, label, 'tab', 'start', this.colour(tab));
      for (let c = 0; c < this.columns; c++) {
        const state = this.#cells.get(`${first + c}:${tab}`);
        const rect = this.#el('rect', { x: left + c * cell + 3, y: y + 3, width: cell - 6, height: cell - 6, rx: 6, class: `cell ${state?.phase ?? 'empty'}` });
        if (state) rect.setAttribute('style', `--tab:${this.colour(tab)}`);
        if (state?.generation !== undefined) {
          const title = this.#el('title', {});
          title.textContent = `round ${first + c}: ${state.phase}, wallet lock generation ${state.generation}`;
          rect.append(title);
          this.#text(left + c * cell + cell / 2, y + cell / 2 + 4, `g${state.generation % 1000}`, `gen ${state.phase}`);
        }
      }
    });
  }

  #text(x: number, y: number, content: string, cls: string, anchor = 'middle', fill?: string): void {
    const text = this.#el('text', { x, y, class: cls, 'text-anchor': anchor, ...(fill ? { fill } : {}) });
    text.textContent = content;
  }

  #el(name: string, attributes: Record<string, string | number>): SVGElement {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
    (name === 'title' ? undefined : this.svg)?.append(el);
    return el;
  }
}
