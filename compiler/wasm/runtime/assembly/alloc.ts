// Bump allocator over the imported memory. The SDK saves and restores the heap pointer
// (opa_heap_ptr_get/set) around evaluations, so nothing is ever freed individually.
// heapPtr's initial value is patched by build.ts to the end of static data.

export let heapPtr: usize = 0;
// memEnd caches memory.size() << 16; it can only be too low (the SDK may grow memory
// itself), which just sends the next allocation through growTo to re-read the size.
let memEnd: usize = 0;

function growTo(end: usize): void {
  let have = <usize>memory.size() << 16;
  memEnd = have;
  if (end <= have) return;
  let pages = <i32>((end - have + 0xffff) >> 16);
  if (memory.grow(pages) < 0) unreachable();
  memEnd = <usize>memory.size() << 16;
}

// alloc returns `size` bytes, 8-aligned, uninitialised.
export function alloc(size: usize): usize {
  // the SDK may set an unaligned heap pointer (input end), so align the start too
  let p = (heapPtr + 7) & ~<usize>7;
  let end = (p + size + 7) & ~<usize>7;
  if (end > memEnd) growTo(end);
  heapPtr = end;
  return p;
}

// extendInPlace grows the block [p, p+oldSize) to newSize when it is the last block on
// the heap; returns false otherwise (caller copies).
export function extendInPlace(p: usize, oldSize: usize, newSize: usize): bool {
  if (((p + oldSize + 7) & ~<usize>7) != heapPtr) return false;
  let end = (p + newSize + 7) & ~<usize>7;
  if (end > memEnd) growTo(end);
  heapPtr = end;
  return true;
}

// realloc keeps the block in place when possible, else copies.
export function realloc(p: usize, oldSize: usize, newSize: usize): usize {
  if (extendInPlace(p, oldSize, newSize)) return p;
  let q = alloc(newSize);
  memory.copy(q, p, oldSize);
  return q;
}

export function opa_malloc(size: usize): usize {
  return alloc(size);
}

export function opa_free(_p: usize): void {}

export function opa_heap_ptr_get(): usize {
  return heapPtr;
}

export function opa_heap_ptr_set(p: usize): void {
  heapPtr = p;
}

// __leash_heap_base lets build.ts read the end of the runtime's static data.
export function __leash_heap_base(): usize {
  return __heap_base;
}
