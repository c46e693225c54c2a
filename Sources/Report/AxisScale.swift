/// A labelled position on an axis, in axis units.
struct Tick {
    var value: Double
    var label: String
}

/// An axis range in axis units with its major (labelled) and minor ticks.
struct AxisScale {
    var lo: Double
    var hi: Double
    var ticks: [Tick]
    var minorTicks: [Double]

    /// Position of `v` along the axis as a fraction of its length; −∞ (a clamped band edge) maps to 0.
    func fraction(_ v: Double) -> Double {
        if v == -.infinity { return 0 }
        let span = hi - lo
        guard span > 0, span.isFinite, v.isFinite else { return 0 }
        return (v - lo) / span
    }
}
