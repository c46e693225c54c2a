/// One line of a chart: a named sequence of (x, y) points with an optional shaded band.
public struct PlotSeries {
    /// Name shown in the legend.
    public var name: String
    /// Horizontal positions (for example generation numbers).
    public var x: [Double]
    /// Vertical values, one per x.
    public var y: [Double]
    /// Lower edge of the shaded band, one per x; the band is drawn only when both edges are given.
    public var lower: [Double]?
    /// Upper edge of the shaded band, one per x.
    public var upper: [Double]?
    /// Draws the line dashed and without a band (used for theory curves).
    public var dashed: Bool

    /// Creates a series; counts are checked when the chart is rendered.
    public init(name: String, x: [Double], y: [Double], lower: [Double]? = nil, upper: [Double]? = nil, dashed: Bool = false) {
        self.name = name
        self.x = x
        self.y = y
        self.lower = lower
        self.upper = upper
        self.dashed = dashed
    }

    /// Whether a band is drawn for this series.
    var hasBand: Bool { !dashed && lower != nil && upper != nil }
}
