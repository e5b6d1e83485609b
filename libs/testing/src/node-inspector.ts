/**
 * A test's handle on a child Node process started with `--inspect=127.0.0.1:<port>`:
 * forces a full garbage collection over the DevTools protocol and reads the
 * live heap, so a leak check compares retained memory rather than RSS (which
 * V8 grows in bursts and never hands back).
 */
export class NodeInspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  /** The chunks of the heap snapshot being taken (the protocol sends them as events before the reply). */
  private snapshotChunks: string[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        result?: unknown;
        error?: { message: string };
      };
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
        this.snapshotChunks.push(message.params?.chunk ?? '');
        return;
      }
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id as number);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(port: number): Promise<NodeInspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${port}`);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot open the inspector at ${url}`)), { once: true });
    });
    return new NodeInspector(socket);
  }

  /** Bytes still reachable after a full collection: the JavaScript heap plus memory held by Buffers and other external objects. */
  async liveBytesAfterGc(): Promise<number> {
    const { heapUsed, external } = await this.memoryUsageAfterGc();
    return heapUsed + external;
  }

  /** The process's `process.memoryUsage()` right after a full collection (RSS, heap used and reserved, external). */
  async memoryUsageAfterGc(): Promise<NodeJS.MemoryUsage> {
    await this.call('HeapProfiler.collectGarbage');
    return this.evaluate<NodeJS.MemoryUsage>('process.memoryUsage()');
  }

  /**
   * How many live objects of each of these constructors the process holds, counted in a heap snapshot (which
   * V8 takes after a full collection). A count, unlike a byte total, is not moved by the code V8 compiles.
   */
  async countObjects(constructors: readonly string[]): Promise<Record<string, number>> {
    const wanted = new Set(constructors);
    const counts = Object.fromEntries(constructors.map((name) => [name, 0]));
    for (const [name, held] of await this.heapByKind()) if (wanted.has(name)) counts[name] = held.count;
    return counts;
  }

  /**
   * Every kind of live object in a heap snapshot (taken after a full collection, or the one given) with how many there are
   * and their own bytes: an object's constructor name, a native object's name after `(native)` (e.g.
   * `(native) Node / TCPSocketWrap`), or `(closure)`, `(array)`, `(string)`, `(code)` and V8's other node types.
   */
  async heapByKind(rawSnapshot?: string): Promise<Map<string, { count: number; selfBytes: number }>> {
    const snapshot = JSON.parse(rawSnapshot ?? (await this.heapSnapshot())) as HeapSnapshot;
    const fields = snapshot.snapshot.meta.node_fields;
    const [typeField, nameField, sizeField] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
    const types = snapshot.snapshot.meta.node_types[0];
    const objectType = types.indexOf('object');
    const nativeType = types.indexOf('native');
    const kinds = new Map<string, { count: number; selfBytes: number }>();
    for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
      const type = snapshot.nodes[i + typeField] as number;
      const nodeName = snapshot.strings[snapshot.nodes[i + nameField] as number] as string;
      const name = type === objectType ? nodeName : type === nativeType ? `(native) ${nodeName}` : `(${types[type] ?? type})`;
      const held = kinds.get(name) ?? { count: 0, selfBytes: 0 };
      held.count += 1;
      held.selfBytes += snapshot.nodes[i + sizeField] as number;
      kinds.set(name, held);
    }
    return kinds;
  }

  /** A heap snapshot (V8 takes it after a full collection) as DevTools saves it (`.heapsnapshot`, JSON). */
  async heapSnapshot(): Promise<string> {
    this.snapshotChunks = [];
    await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    const raw = this.snapshotChunks.join('');
    this.snapshotChunks = [];
    return raw;
  }

  /** The value of an expression evaluated in the inspected process (JSON-serialisable results only). */
  async evaluate<T>(expression: string): Promise<T> {
    const result = (await this.call('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T } };
    return result.result.value;
  }

  /** Handles and requests keeping the process's event loop alive, by kind (`process.getActiveResourcesInfo()`). */
  async activeResources(): Promise<Record<string, number>> {
    return this.evaluate<Record<string, number>>('process.getActiveResourcesInfo().reduce((m, k) => ((m[k] = (m[k] || 0) + 1), m), {})');
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** The parts of V8's heap snapshot format that heapByKind reads. */
interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}
