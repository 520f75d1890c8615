import Tapestry

// Which layer (tape label) each drawn entry belongs to.
extension TapeGraph {
    /// The layers of the drawn entries: which group each entry belongs to, in order of each
    /// group's first op.
    struct Grouping {
        /// The distinct labels, ordered by their first op.
        var labels: [String] = []
        /// The index into `labels` of each entry's group, `nil` for an ungrouped entry.
        var groupOfEntry: [Int?] = []
        /// The entries of each group, in tape order.
        var members: [[Int]] = []

        init(_ entries: [TapeEntry]) {
            var consumerLabels = [Set<String?>](repeating: [], count: entries.count)
            for entry in entries {
                for operand in entry.inputs where operand < entries.count {
                    consumerLabels[operand].insert(entry.label)
                }
            }
            let effective: [String?] = entries.map { entry in
                if let label = entry.label { return label }
                let consumers = consumerLabels[entry.index]
                guard entry.kind == .variable, consumers.count == 1, let only = consumers.first else { return nil }
                return only
            }
            var firstOp: [String: Int] = [:]
            var firstAny: [String: Int] = [:]
            for (entry, label) in zip(entries, effective) {
                guard let label else { continue }
                if firstAny[label] == nil { firstAny[label] = entry.index }
                if entry.kind == .operation, firstOp[label] == nil { firstOp[label] = entry.index }
            }
            // A layer's parameters come first on the tape; its first op says where it runs.
            let order = { (label: String) in (firstOp[label] ?? firstAny[label] ?? 0, firstAny[label] ?? 0) }
            labels = firstAny.keys.sorted { order($0) < order($1) }
            let position = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
            groupOfEntry = effective.map { $0.flatMap { position[$0] } }
            members = Array(repeating: [], count: labels.count)
            for (index, group) in groupOfEntry.enumerated() { if let group { members[group].append(index) } }
        }
    }
}
