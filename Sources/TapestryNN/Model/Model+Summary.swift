import Foundation
import Tapestry

extension Model {
    /// Prints `summaryText`, like Keras's `model.summary()`.
    public func summary() {
        print(summaryText)
    }

    /// The model as Keras 3 tabulates it: `Layer (type) | Output Shape | Param #`, then the
    /// total, trainable and non-trainable parameter counts with their sizes.
    ///
    /// ```
    /// Model: "sequential"
    /// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    /// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    /// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    /// │ flatten (Flatten)               │ (None, 784)            │             0 │
    /// …
    /// ```
    ///
    /// A model of your own class lists the layers it holds; their output shapes are known
    /// only to its `callAsFunction`, so they show as `?`. A `Functional` model lists its
    /// inputs too and adds Keras's "Connected to" column: the tensors each layer takes, one
    /// a line, as `layer[application][0]` (`dense[0][0]`; a shared layer's second use is
    /// `shared[1][0]`).
    public var summaryText: String {
        let header: [String]
        let rows: [[[String]]]
        if let functional = self as? Functional<Scalar> {
            header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
            rows = functional.summaryRows
        } else {
            let description = modelDescription
            var layers = description.nodes.filter { $0.kind == .layer }
            if layers.count == 1, layers[0].name == name, let nested = layers[0].nested {
                layers = nested.nodes.filter { $0.kind == .layer }
            }
            header = ["Layer (type)", "Output Shape", "Param #"]
            rows = layers.map { node in
                [["\(node.name) (\(node.typeName))"], [ModelDescription.batchShapeText(node.outputShape)],
                 [node.parameterCount.groupedByThousands]]
            }
        }
        let minimums = [31, 22, 13, 17]
        let widths = header.indices.map { column in
            max(minimums[column], rows.flatMap { $0[column] }.map(\.count).max() ?? 0)
        }
        func line(_ left: String, _ fill: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: middle) + right
        }
        func row(_ cells: [String], _ bar: String) -> String {
            let padded = cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 2 ? padding + cell : cell + padding
            }
            return bar + " " + padded.joined(separator: " \(bar) ") + " " + bar
        }
        var lines = ["Model: \"\(name)\""]
        lines.append(line("┏", "━", "┳", "┓"))
        lines.append(row(header, "┃"))
        lines.append(line("┡", "━", "╇", "┩"))
        for (index, cells) in rows.enumerated() {
            if index > 0 { lines.append(line("├", "─", "┼", "┤")) }
            let height = cells.map(\.count).max() ?? 1
            for offset in 0..<height {
                lines.append(row(cells.map { offset < $0.count ? $0[offset] : "" }, "│"))
            }
        }
        lines.append(line("└", "─", "┴", "┘"))
        let total = parameterCount
        let trainable = trainableParameters.reduce(0) { $0 + $1.value.scalarCount }
        let bytes = MemoryLayout<Scalar>.size
        lines.append(" Total params: \(total.groupedByThousands) (\(Self.byteSize(total * bytes)))")
        lines.append(" Trainable params: \(trainable.groupedByThousands) (\(Self.byteSize(trainable * bytes)))")
        lines.append(" Non-trainable params: \((total - trainable).groupedByThousands) (\(Self.byteSize((total - trainable) * bytes)))")
        return lines.joined(separator: "\n")
    }

    /// `220200` → `215.04 KB` (Keras's binary units).
    static func byteSize(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.2f", value) + " " + units[unit]
    }
}
