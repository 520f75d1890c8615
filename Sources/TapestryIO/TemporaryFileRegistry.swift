// TemporaryFileRegistry.swift: the temporary files `AtomicFile` is writing, and the output
// folders a program created, removed by a SIGINT, SIGTERM or SIGHUP handler before the signal
// ends the process.

import Synchronization

/// The paths of the temporary files being written, in fixed storage that a signal handler can
/// read without allocating or locking.
///
/// Each of ``capacity`` slots holds a NUL-terminated path and a state: free, being filled or
/// emptied by its owner, being created (the path is whole, `open` is under way), registered,
/// or being removed by the handler. Only the atomic states coordinate the writer threads and
/// the handler, so the handler sees whole paths only. The owner creates the file with the
/// three signals blocked in its own thread (``creatingFile(_:_:)``), so a handler running on
/// another thread waits for a file being created rather than removing its name too early,
/// and none runs on the owner's thread in between. A file written while every slot is taken
/// is not registered; the next write of the same destination removes it (see
/// ``AtomicFile``). After the files, the handler removes the registered folders that are
/// empty, the last registered first.
enum TemporaryFileRegistry {
    /// Temporary files that can be registered at once.
    static let capacity = 64
    /// Folders that can be registered.
    static let folderCapacity = 16
    private static var folderSlots: Range<Int> { capacity..<(capacity + folderCapacity) }
    /// Bytes a slot holds, the terminating NUL included.
    static let slotSize = Int(PATH_MAX) + 1

    private static let free = 0, busy = 1, creating = 2, registered = 3, removing = 4
    /// The signals whose handler removes the registered files.
    static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// The storage, allocated once and never freed (the handler may read it at any time).
    private struct Storage: @unchecked Sendable {
        let states: UnsafeMutablePointer<Atomic<Int>>
        let paths: UnsafeMutablePointer<CChar>
    }

    private static let storage: Storage = {
        let slots = capacity + folderCapacity
        let states = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: slots)
        for slot in 0..<slots { (states + slot).initialize(to: Atomic(free)) }
        let paths = UnsafeMutablePointer<CChar>.allocate(capacity: slots * slotSize)
        paths.initialize(repeating: 0, count: slots * slotSize)
        installHandlers()
        return Storage(states: states, paths: paths)
    }()

    /// Calls `create` (which creates the file at `path` and says whether it did) with `path`
    /// recorded, so that a terminating signal removes the file from the moment it exists.
    ///
    /// - Returns: whether `create` created the file, and the slot to pass to
    ///   ``unregister(_:)`` (`nil` if the path is too long or every slot is taken).
    static func creatingFile(_ path: FileSystemPath, _ create: () -> Bool) -> (created: Bool, slot: Int?) {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in signals { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let slot = register(path, in: 0..<capacity)
        let created = create()
        if let slot {
            let storage = Self.storage
            if created {
                storage.states[slot].store(registered, ordering: .releasing)
            } else {
                storage.states[slot].store(free, ordering: .releasing)
                return (false, nil)
            }
        }
        return (created, slot)
    }

    /// Records `folder`, to be removed by the handler if it is empty.
    ///
    /// - Returns: whether it was recorded (not when every folder slot is taken).
    static func registerFolder(_ folder: FileSystemPath) -> Bool {
        guard let slot = register(folder, in: folderSlots) else { return false }
        storage.states[slot].store(registered, ordering: .releasing)
        return true
    }

    /// Claims a slot of `slots` for `path` in the `creating` state.
    private static func register(_ path: FileSystemPath, in slots: Range<Int>) -> Int? {
        let storage = Self.storage
        guard path.bytes.count < slotSize, !path.containsNUL else { return nil }
        for slot in slots {
            guard storage.states[slot].compareExchange(expected: free, desired: busy, ordering: .acquiring).exchanged
            else { continue }
            let destination = storage.paths + slot * slotSize
            path.bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { destination.update(from: $0.baseAddress!, count: $0.count) }
            }
            destination[path.bytes.count] = 0
            storage.states[slot].store(creating, ordering: .releasing)
            return slot
        }
        return nil
    }

    /// Forgets the path in `slot` (after it was renamed or removed).
    static func unregister(_ slot: Int) {
        let storage = Self.storage
        // If the handler is removing the file, the process is about to end: leave the slot.
        guard storage.states[slot].compareExchange(expected: registered, desired: busy, ordering: .acquiring).exchanged
        else { return }
        storage.states[slot].store(free, ordering: .releasing)
    }

    /// Installs ``handleSignal`` for SIGINT, SIGTERM and SIGHUP where the signal still has its
    /// default action; a signal the program ignores or handles itself is left alone.
    private static func installHandlers() {
        for signal in signals {
            var current = sigaction()
            guard sigaction(signal, nil, &current) == 0, isDefault(current) else { continue }
            var action = sigaction()
            #if canImport(Darwin)
            action.__sigaction_u.__sa_handler = handleSignal
            #else
            action.__sigaction_handler.sa_handler = handleSignal
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            _ = sigaction(signal, &action, nil)
        }
    }

    private static func isDefault(_ action: sigaction) -> Bool {
        #if canImport(Darwin)
        let handler = action.__sigaction_u.__sa_handler
        #else
        let handler = action.__sigaction_handler.sa_handler
        #endif
        guard let handler else { return true }    // SIG_DFL is the null handler
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_DFL, to: Int.self)
    }
}

/// Removes every registered temporary file, then ends the process as the signal would have
/// by default. Async-signal-safe: atomics, `unlink`, `signal` and `raise` only.
private func handleSignal(_ signal: Int32) {
    TemporaryFileRegistry.removeAll()
    _ = restoreDefaultAction(signal)
    _ = raise(signal)
}

/// Restores the default action of `signal`.
private func restoreDefaultAction(_ number: Int32) -> Int32 {
    var action = sigaction()
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    return sigaction(number, &action, nil)    // a zeroed action is SIG_DFL
}

extension TemporaryFileRegistry {
    /// Unlinks every registered file, then removes the registered folders that are empty,
    /// the last registered first; called from the signal handler. A file being created on
    /// another thread is waited for (up to a second), then removed too.
    fileprivate static func removeAll() {
        let storage = Self.storage
        defer {
            for slot in folderSlots.reversed()
            where storage.states[slot].compareExchange(expected: registered, desired: removing, ordering: .acquiring).exchanged {
                _ = rmdir(storage.paths + slot * slotSize)
            }
        }
        for slot in 0..<capacity {
            var waits = 0
            while storage.states[slot].load(ordering: .acquiring) == creating && waits < 1000 {
                var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
                _ = nanosleep(&pause, nil)
                waits += 1
            }
            let state = storage.states[slot].load(ordering: .acquiring)
            guard state == registered || state == creating,
                  storage.states[slot].compareExchange(expected: state, desired: removing, ordering: .acquiring).exchanged
            else { continue }
            _ = unlink(storage.paths + slot * slotSize)
        }
    }
}
