// The module's entry points, its error, and summaries of replicate runs.

/// SVG line charts and tidy summaries for run records.
///
/// The main entry points are ``LineChart`` (with ``PlotSeries``) and ``Summary``;
/// failures are reported as ``ReportError``.
public enum Report {}

/// An error raised for input that cannot be turned into a chart or file.
public struct ReportError: Error, CustomStringConvertible {
    /// What was wrong, in words meant for the person running the experiment.
    public let message: String

    /// Creates an error carrying `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The message itself.
    public var description: String { message }
}

/// Summaries of replicate runs (for example one value per seed).
public enum Summary {
    /// Mean and 95% interval of replicate values (mean ± 1.96·s/√k with the sample standard deviation s;
    /// a single value gives a zero-width band). NaN values are ignored; all-NaN gives NaNs.
    public static func meanBand(_ values: [Double]) -> (mean: Double, lower: Double, upper: Double) {
        let kept = values.filter { !$0.isNaN }
        guard !kept.isEmpty else { return (.nan, .nan, .nan) }
        let k = Double(kept.count)
        let mean = kept.reduce(0, +) / k
        guard kept.count > 1 else { return (mean, mean, mean) }
        let squares = kept.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let s = (squares / (k - 1)).squareRoot()
        let half = 1.96 * s / k.squareRoot()
        return (mean, mean - half, mean + half)
    }
}
