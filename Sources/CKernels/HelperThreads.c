// Helper threads for `tapestry_run_parts`; see include/HelperThreads.h.
//
// One job at a time is described by `job_word`: the job's generation (32 bits), its part
// count (16 bits) and the next unclaimed part (16 bits). A thread claims a part with a
// compare-and-swap on the whole word, so a claim can only succeed for the job whose
// function and context it read (a later job changes the generation). The caller counts
// finished parts in `finished` and returns when all are.
#include "HelperThreads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

enum { TAPESTRY_MAXIMUM_HELPERS = 7 };

// Back-off after a late helper, or after helpers missed several jobs in a row (the caller
// ran every part itself: the helpers are not getting a core): jobs run inline for this many
// calls, doubling while helpers keep being late or missing, up to the maximum.
enum { TAPESTRY_FIRST_BACKOFF = 64, TAPESTRY_MAXIMUM_BACKOFF = 8192, TAPESTRY_MISSES_BEFORE_BACKOFF = 8 };
// A helper is late when the caller waits for it longer than its own parts took plus this.
static const long TAPESTRY_LATE_NANOSECONDS = 50000;

// The job and the helpers' state, each group on its own cache line: helpers spin reading
// `job_word`, so nothing the caller writes while it works may share that line.
static _Alignas(64) _Atomic uint64_t job_word;          // generation << 32 | parts << 16 | next part
static _Atomic(tapestry_part_function) job_function;
static _Atomic(void *) job_context;
static _Alignas(64) _Atomic long finished;              // parts of the current job that have finished
static _Alignas(64) atomic_flag busy = ATOMIC_FLAG_INIT; // a job is running (owned by its caller)
static long backoff_remaining = 0, next_backoff = TAPESTRY_FIRST_BACKOFF, misses = 0; // guarded by `busy`
static _Alignas(64) _Atomic long width = 0;             // 0 until first used: then the processors, at most 8
static _Atomic long helpers_started = 0;
static _Atomic long sleepers = 0;
static _Atomic long spin_nanoseconds = 100000;
static pthread_mutex_t sleep_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_condition = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t start_mutex = PTHREAD_MUTEX_INITIALIZER;

static inline uint32_t generation_of(uint64_t word) { return (uint32_t)(word >> 32); }
static inline long parts_of(uint64_t word) { return (long)((word >> 16) & 0xFFFF); }
static inline long next_of(uint64_t word) { return (long)(word & 0xFFFF); }

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

// Claims and runs parts of the job of `generation` until none is left (or another job
// has begun, which means this one has no parts left).
static long run_claimed_parts(uint32_t generation) {
    long ran = 0;
    for (;;) {
        uint64_t word = atomic_load_explicit(&job_word, memory_order_acquire);
        if (generation_of(word) != generation || next_of(word) >= parts_of(word)) return ran;
        tapestry_part_function function = atomic_load_explicit(&job_function, memory_order_relaxed);
        void *context = atomic_load_explicit(&job_context, memory_order_relaxed);
        // Success means the job was unfinished when claimed, so the function and context
        // read before were still this job's (the next job's are written after it finishes).
        if (!atomic_compare_exchange_weak_explicit(&job_word, &word, word + 1, memory_order_acq_rel,
                                                   memory_order_relaxed)) continue;
        function(context, next_of(word));
        ran++;
        atomic_fetch_add_explicit(&finished, 1, memory_order_release);
    }
}

static void *helper_main(void *unused) {
    (void)unused;
    uint32_t seen = generation_of(atomic_load_explicit(&job_word, memory_order_acquire));
    for (;;) {
        long deadline = now_nanoseconds() + atomic_load_explicit(&spin_nanoseconds, memory_order_relaxed);
        uint32_t generation = seen;
        for (long spins = 0;; spins++) {
            generation = generation_of(atomic_load_explicit(&job_word, memory_order_acquire));
            if (generation != seen) break;
            cpu_relax();
            if ((spins & 63) == 63 && now_nanoseconds() > deadline) break;
        }
        if (generation == seen) {
            pthread_mutex_lock(&sleep_mutex);
            atomic_fetch_add(&sleepers, 1);
            while ((generation = generation_of(atomic_load(&job_word))) == seen) {
                pthread_cond_wait(&wake_condition, &sleep_mutex);
            }
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_mutex);
        }
        seen = generation;
        run_claimed_parts(generation);
    }
    return NULL;
}

static long default_width(void) {
    long processors = sysconf(_SC_NPROCESSORS_ONLN);
    if (processors < 1) processors = 1;
    return processors > TAPESTRY_MAXIMUM_HELPERS + 1 ? TAPESTRY_MAXIMUM_HELPERS + 1 : processors;
}

long tapestry_parallel_width(void) {
    long current = atomic_load_explicit(&width, memory_order_relaxed);
    if (current == 0) {
        long expected = 0;
        atomic_compare_exchange_strong(&width, &expected, default_width());
        current = atomic_load(&width);
    }
    return current;
}

void tapestry_set_parallel_width(long new_width) {
    if (new_width < 1) new_width = 1;
    if (new_width > TAPESTRY_MAXIMUM_HELPERS + 1) new_width = TAPESTRY_MAXIMUM_HELPERS + 1;
    atomic_store(&width, new_width);
    // A new width starts afresh: no back-off left from late helpers.
    if (!atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) {
        backoff_remaining = 0;
        next_backoff = TAPESTRY_FIRST_BACKOFF;
        misses = 0;
        atomic_flag_clear_explicit(&busy, memory_order_release);
    }
}

void tapestry_set_helper_spin_microseconds(long microseconds) {
    atomic_store(&spin_nanoseconds, (microseconds < 0 ? 0 : microseconds) * 1000);
}

// Starts helpers until there are `count` (they are never stopped: a sleeping one costs nothing).
static void start_helpers(long count) {
    if (atomic_load_explicit(&helpers_started, memory_order_acquire) >= count) return;
    pthread_mutex_lock(&start_mutex);
    while (atomic_load(&helpers_started) < count) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, helper_main, NULL);
        pthread_attr_destroy(&attributes);
        if (failed) break;  // fewer helpers: the caller runs the parts they would have
        atomic_fetch_add(&helpers_started, 1);
    }
    pthread_mutex_unlock(&start_mutex);
}

static void run_inline(long parts, tapestry_part_function function, void *context) {
    for (long part = 0; part < parts; part++) function(context, part);
}

void tapestry_run_parts(long parts, tapestry_part_function function, void *context, int wakes_helpers) {
    if (parts <= 0) return;
    long threads = tapestry_parallel_width();
    if (parts == 1 || threads == 1 || parts > 0xFFFF) { run_inline(parts, function, context); return; }
    if (atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) { run_inline(parts, function, context); return; }
    start_helpers(threads - 1);
    long awake = atomic_load_explicit(&helpers_started, memory_order_relaxed) - atomic_load(&sleepers);
    if (backoff_remaining > 0 || (!wakes_helpers && awake <= 0)) {
        if (backoff_remaining > 0) backoff_remaining--;
        atomic_flag_clear_explicit(&busy, memory_order_release);
        run_inline(parts, function, context);
        return;
    }
    atomic_store_explicit(&job_function, function, memory_order_relaxed);
    atomic_store_explicit(&job_context, context, memory_order_relaxed);
    atomic_store_explicit(&finished, 0, memory_order_relaxed);
    uint64_t previous = atomic_load_explicit(&job_word, memory_order_relaxed);
    uint32_t generation = generation_of(previous) + 1;
    // Sequentially consistent: ordered before the check of `sleepers` below, which a
    // helper increments before it checks the word (so one of the two sees the other).
    atomic_store(&job_word, ((uint64_t)generation << 32) | ((uint64_t)parts << 16));
    if (wakes_helpers && atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_mutex);
        pthread_cond_broadcast(&wake_condition);
        pthread_mutex_unlock(&sleep_mutex);
    }
    long started = now_nanoseconds();
    long ran = run_claimed_parts(generation);
    long own_parts_done = now_nanoseconds();
    int late = 0;
    if (atomic_load_explicit(&finished, memory_order_acquire) < parts) {
        while (atomic_load_explicit(&finished, memory_order_acquire) < parts) cpu_relax();
        // A helper that finishes long after the caller was most likely descheduled.
        late = now_nanoseconds() - own_parts_done > (own_parts_done - started) + TAPESTRY_LATE_NANOSECONDS;
    }
    misses = ran == parts ? misses + 1 : 0;
    if (late || misses >= TAPESTRY_MISSES_BEFORE_BACKOFF) {
        // The machine is busy with other work: run the next jobs inline for a while (the
        // helpers fall asleep instead of spinning for a core they do not get).
        backoff_remaining = next_backoff;
        if (next_backoff < TAPESTRY_MAXIMUM_BACKOFF) next_backoff *= 2;
        misses = 0;
    } else if (ran < parts) {
        next_backoff = TAPESTRY_FIRST_BACKOFF;
    }
    atomic_flag_clear_explicit(&busy, memory_order_release);
}
