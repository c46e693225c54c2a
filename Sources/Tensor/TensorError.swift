/// An error from the tensor core. `message` says what was wrong and what was expected.
public struct TensorError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Formats a shape the way error messages and printing show it: `2x3`, `scalar` for 0-d.
public func describeShape(_ shape: [Int]) -> String {
    shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "x")
}
