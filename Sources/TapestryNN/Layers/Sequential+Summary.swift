import Foundation
import Tapestry

extension Sequential {
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
    public var summaryText: String {
        let shapes = (try? layerOutputShapes()) ?? nil
        let rows: [[String]] = layers.enumerated().map { index, layer in
            let shape = shapes.map { "(None, " + $0[index].map(String.init).joined(separator: ", ") + ")" } ?? "?"
            return ["\(layer.name) (\(layer.typeName))", shape, Self.grouped(layer.parameterCount)]
        }
        let widths = [
            max(31, rows.map { $0[0].count }.max() ?? 0),
            max(22, rows.map { $0[1].count }.max() ?? 0),
            max(13, rows.map { $0[2].count }.max() ?? 0),
        ]
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
        lines.append(row(["Layer (type)", "Output Shape", "Param #"], "┃"))
        lines.append(line("┡", "━", "╇", "┩"))
        for (index, cells) in rows.enumerated() {
            if index > 0 { lines.append(line("├", "─", "┼", "┤")) }
            lines.append(row(cells, "│"))
        }
        lines.append(line("└", "─", "┴", "┘"))
        let total = parameterCount
        let trainable = trainableParameters.reduce(0) { $0 + $1.value.scalarCount }
        let bytes = MemoryLayout<Scalar>.size
        lines.append(" Total params: \(Self.grouped(total)) (\(Self.byteSize(total * bytes)))")
        lines.append(" Trainable params: \(Self.grouped(trainable)) (\(Self.byteSize(trainable * bytes)))")
        lines.append(" Non-trainable params: \(Self.grouped(total - trainable)) (\(Self.byteSize((total - trainable) * bytes)))")
        return lines.joined(separator: "\n")
    }

    /// `55050` → `55,050`.
    static func grouped(_ value: Int) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    /// `220200` → `215.04 KB` (Keras's binary units).
    static func byteSize(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB"]
        var value = Double(bytes), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.2f", value) + " " + units[unit]
    }
}
