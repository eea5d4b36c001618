#pragma once
// Background work (inference) runs at a lower priority than the threads that answer requests,
// so that a login or a probe is not queued behind detections for the cores. Linux keeps a nice
// value per thread; a thread's new threads inherit it. Raising it needs no privilege; it is
// never lowered again.
namespace ov {

// Raises the calling thread's nice value by `increment` (0: nothing; clamped to 19). False
// when the system refused (the thread keeps its priority: slower answers, nothing else).
bool lower_this_thread_priority(int increment);

}  // namespace ov
