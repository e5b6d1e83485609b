/** Live objects of each kind in a heap snapshot: how many and their own bytes (NodeInspector.heapByKind). */
export type HeapKinds = Map<string, { count: number; selfBytes: number }>;

export interface HeapKindPerViewer {
  kind: string;
  countPerViewer: number;
  bytesPerViewer: number;
}

/** What `viewers` added between two snapshots, per viewer and kind, the largest first (kinds that shrank left out). */
export function perViewerHeap(before: HeapKinds, after: HeapKinds, viewers: number): HeapKindPerViewer[] {
  const rows: HeapKindPerViewer[] = [];
  for (const [kind, held] of after) {
    const was = before.get(kind) ?? { count: 0, selfBytes: 0 };
    const bytes = held.selfBytes - was.selfBytes;
    if (bytes <= 0) continue;
    rows.push({ kind, countPerViewer: (held.count - was.count) / viewers, bytesPerViewer: bytes / viewers });
  }
  return rows.sort((a, b) => b.bytesPerViewer - a.bytesPerViewer);
}

/**
 * Kinds whose growth is not the viewers': compiled code (V8 compiles the viewers' paths as they first run)
 * and the bytes of ArrayBuffers (the GOP cache's contents, larger or smaller by where in the GOP each
 * snapshot falls: up to a GOP, ~1 MB).
 */
export function isViewerIndependent(kind: string): boolean {
  return kind === '(code)' || kind === '(native) system / JSArrayBufferData';
}
