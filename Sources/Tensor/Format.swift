import Foundation

/// Torch7-style printing: aligned columns, a common scale factor where it helps, `…` for
/// truncated dimensions, and a footer such as `[float64 tensor of size 3x4]` (with ", requires
/// grad" for a leaf autograd tracks, ", tracked" for the result of a recorded op).
public struct TensorFormat: Sendable {
    /// Dimensions longer than this are shown as the first and last `edge` entries.
    public var threshold = 10
    public var edge = 3
    public init() {}

    public func render(_ t: Tensor) -> String {
        let tracking = t.requiresGrad ? (t.gradNode == nil ? ", requires grad" : ", tracked") : ""
        let footer = "[\(t.dtype.rawValue) tensor of size \(t.shape.isEmpty ? "scalar" : describeShape(t.shape))\(tracking)]"
        if t.count == 0 { return "[\(t.dtype.rawValue) tensor with no elements of size \(describeShape(t.shape))]" }
        // Only the entries that will be shown are read: a 10⁸-element tensor prints as fast as a small one.
        let shown = (try? shownPart(t)) ?? t
        let values = shown.toDoubles()
        let ints = t.dtype == .int64 ? shown.toInt64s() : []
        var style = NumberStyle(values: values, isInt: t.dtype == .int64)
        if !ints.isEmpty { style.exactInts = ints; style.width = max(style.width, (ints.map { String($0).count }.max() ?? 1)) }
        var out = ""
        if let scale = style.scaleHeader { out += scale + "\n" }
        if t.rank == 0 {
            return out + style.format(at: 0, values).trimmingCharacters(in: .whitespaces) + "\n" + footer
        }
        if t.rank == 1 {
            for i in shownIndices(t.shape[0]) {
                out += (i < 0 ? String(repeating: " ", count: max(style.width - 1, 0)) + "…" : style.format(at: position(i, t.shape[0]), values)) + "\n"
            }
            return out + footer
        }
        // Print each trailing matrix, prefixed by its leading index like Torch: (1,.,.) =
        let lead = Array(t.shape.dropLast(2))
        let (r, c) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        let (shownRows, shownCols) = (shown.shape[t.rank - 2], shown.shape[t.rank - 1])
        var first = true
        func matrixText(_ base: Int) -> String {
            var s = ""
            for i in shownIndices(r) {
                if i < 0 { s += " …\n"; continue }
                var line = ""
                for j in shownIndices(c) {
                    line += (j < 0 ? " …" : " " + style.format(at: base + position(i, r) * shownCols + position(j, c), values))
                }
                s += line + "\n"
            }
            return s
        }
        if lead.isEmpty { return out + matrixText(0) + footer }
        // Enumerate leading indices (with truncation per leading dimension).
        let leadLists = lead.map { shownIndices($0) }
        var pos = [Int](repeating: 0, count: lead.count)
        while true {
            let idx = zip(pos, leadLists).map { $1[$0] }
            if idx.contains(-1) {
                if first || !out.hasSuffix("…\n\n") { out += "…\n\n" }
            } else {
                var flat = 0
                for (k, v) in idx.enumerated() { flat = flat * shown.shape[k] + position(v, lead[k]) }
                out += "(" + idx.map { String($0 + 1) }.joined(separator: ",") + ",.,.) = \n"
                out += matrixText(flat * shownRows * shownCols) + "\n"
            }
            first = false
            var d = lead.count - 1
            while d >= 0 { pos[d] += 1; if pos[d] < leadLists[d].count { break }; pos[d] = 0; d -= 1 }
            if d < 0 { break }
        }
        return out + footer
    }

    /// The tensor cut down to the entries shown: the first and last `edge` along each long dimension.
    func shownPart(_ t: Tensor) throws -> Tensor {
        var part = t
        for (d, n) in t.shape.enumerated() where n > threshold {
            part = try Tensor.cat([part.narrow(d, 0, edge), part.narrow(d, n - edge, n)], dim: d)
        }
        return part
    }

    /// Where index i of a dimension of size n sits in the shown part.
    func position(_ i: Int, _ n: Int) -> Int {
        n <= threshold || i < edge ? i : i - (n - edge) + edge
    }

    /// Indices shown along a dimension of size n; -1 marks the elision.
    func shownIndices(_ n: Int) -> [Int] {
        n <= threshold ? Array(0..<n) : Array(0..<edge) + [-1] + Array((n - edge)..<n)
    }
}

/// How numbers of one tensor are written: integers, fixed with a common scale, or scientific.
struct NumberStyle {
    enum Mode { case integer, fixed(scale: Double), scientific }
    let mode: Mode
    var width: Int
    let scaleHeader: String?
    /// The exact values of an int64 tensor (Doubles lose digits beyond 2^53).
    var exactInts: [Int64] = []

    init(values: [Double], isInt: Bool) {
        let finite = values.filter { $0.isFinite }
        let maxAbs = finite.map { Swift.abs($0) }.max() ?? 0
        let nonzero = finite.filter { $0 != 0 }.map { Swift.abs($0) }
        let minAbs = nonzero.min() ?? 0
        let allInt = finite.allSatisfy { $0.rounded() == $0 } && maxAbs < 1e15
        let special = values.count != finite.count
        if isInt || allInt {
            mode = .integer
            let w = finite.map { String(Int64(fromDouble: $0)).count }.max() ?? 1
            width = max(w, special ? 4 : 1)
            scaleHeader = nil
        } else if maxAbs > 0 && (maxAbs / max(minAbs, 1e-300) > 1e6 || maxAbs >= 1e9 || maxAbs < 1e-4) && !(maxAbs < 1e5 && maxAbs >= 1e-3) && maxAbs / max(minAbs, 1e-300) > 1e3 {
            mode = .scientific; width = 11; scaleHeader = nil
        } else {
            let e = maxAbs > 0 ? Int(Foundation.floor(Foundation.log10(maxAbs))) : 0
            if e >= 4 || e <= -4 {
                let scale = Foundation.pow(10, Double(e))
                mode = .fixed(scale: scale); scaleHeader = String(format: "%.0e *", scale)
                width = 7 + (finite.contains { $0 < 0 } ? 1 : 0)
            } else {
                mode = .fixed(scale: 1); scaleHeader = nil
                width = max(e, 0) + 6 + (finite.contains { $0 < 0 } ? 1 : 0)
            }
        }
    }

    func format(at i: Int, _ values: [Double]) -> String {
        guard !exactInts.isEmpty else { return format(values[i]) }
        let s = String(exactInts[i])
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }

    func format(_ v: Double) -> String {
        let s: String
        if v.isNaN { s = "nan" } else if v.isInfinite { s = v > 0 ? "inf" : "-inf" } else {
            switch mode {
            case .integer: s = String(Int64(fromDouble: v))
            case .fixed(let scale): s = String(format: "%.4f", v / scale)
            case .scientific: s = String(format: "%.4e", v)
            }
        }
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String { TensorFormat().render(self) }
}
