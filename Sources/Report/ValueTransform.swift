import Foundation

/// Maps data values to axis units (identity, or log10 on a log axis) and decides what is plottable.
struct ValueTransform {
    let logarithmic: Bool

    /// Axis units of a line value or upper band edge, or nil when it cannot be drawn.
    func value(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        if logarithmic { return v > 0 ? log10(v) : nil }
        return v
    }

    /// Axis units of a lower band edge; on a log axis an edge ≤ 0 becomes −∞, meaning "the axis minimum".
    func lowerEdge(_ v: Double) -> Double? {
        if logarithmic, v <= 0 { return -.infinity }
        return value(v)
    }

    /// Axis units of an x value (x is always linear).
    static func x(_ v: Double) -> Double? {
        v.isFinite ? v : nil
    }
}
