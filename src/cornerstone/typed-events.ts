/**
 * An EventTarget whose events carry typed details, declared once per emitter as a map from event name
 * to detail type: `emit` and `on` check both, so listeners never cast. The events are ordinary
 * CustomEvents underneath (addEventListener still works, as for any DOM event).
 */
export class TypedEventTarget<Events extends Record<string, unknown>> extends EventTarget {
  protected emit<K extends keyof Events & string>(type: K, detail: Events[K]): void {
    this.dispatchEvent(new CustomEvent<Events[K]>(type, { detail }));
  }

  /** Listens to one event; returns the function that stops listening. */
  on<K extends keyof Events & string>(type: K, listener: (detail: Events[K]) => void): () => void {
    const wrapped = (event: Event) => listener((event as CustomEvent<Events[K]>).detail);
    this.addEventListener(type, wrapped);
    return () => this.removeEventListener(type, wrapped);
  }
}
