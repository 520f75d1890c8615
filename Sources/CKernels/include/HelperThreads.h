// Helper threads that wait for work spinning briefly, then sleeping: the parts of one
// computation run at once on the calling thread and on the helpers, with a hand-off of
// well under a microsecond while a helper spins (GCD's `concurrentPerform` wakes a sleeping
// worker, several microseconds each time: too slow for the halves of a 100 µs training step).
//
// Parts are claimed one at a time by whichever thread is free, the caller included, so a
// helper that is descheduled or asleep delays nothing: the caller runs what is left. The
// caller returns when every part has finished. One computation runs at a time; a call made
// while another runs (from another thread, or from inside a part) runs its parts inline.
#ifndef TAPESTRY_HELPER_THREADS_H
#define TAPESTRY_HELPER_THREADS_H

#ifdef __cplusplus
extern "C" {
#endif

/// One part of a computation: `part` in `0..<parts`, with the caller's `context`.
typedef void (*tapestry_part_function)(void *context, long part);

/// Runs `function(context, part)` for every part in `0..<parts` on the calling thread and
/// the helper threads, and returns when all have finished. Parts must write disjoint memory.
/// At most 65,535 parts (more run inline). Unless `wakes_helpers`, a job runs inline when
/// every helper is asleep, rather than wait several microseconds for one to wake.
///
/// A helper that finishes its part long after the caller finished its own (more than the
/// caller's time plus 50 µs: it was most likely descheduled by other work on the machine),
/// or 8 jobs in a row whose parts the caller ran alone (the helpers are not getting a core),
/// make the next 64 jobs run inline, then 128, … up to 8,192 while this goes on.
void tapestry_run_parts(long parts, tapestry_part_function function, void *context, int wakes_helpers);

/// The threads a computation may use: the caller and the helpers (by default the online
/// processors, at most 8).
long tapestry_parallel_width(void);

/// Sets the threads a computation may use (1 runs every part on the caller); helpers are
/// started as needed, and unneeded ones stay asleep. Ends any back-off (see
/// `tapestry_run_parts`). Not while a computation runs.
void tapestry_set_parallel_width(long width);

/// How long a helper spins for the next computation before it sleeps, in microseconds
/// (default 100).
void tapestry_set_helper_spin_microseconds(long microseconds);

#ifdef __cplusplus
}
#endif

#endif
