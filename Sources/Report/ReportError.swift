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
