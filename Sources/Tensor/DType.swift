/// Element types a tensor can hold.
public enum DType: String, CaseIterable, Sendable {
    case float64, float32, int64

    /// Bytes per element.
    public var size: Int { self == .float32 ? 4 : 8 }
    public var isFloatingPoint: Bool { self != .int64 }

    /// The type both operands of a binary op are converted to (float64 > float32 > int64).
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == .float64 || b == .float64 { return .float64 }
        if a == .float32 || b == .float32 { return .float32 }
        return .int64
    }

    /// Parses a dtype name; accepts NumPy-style aliases ("double", "float", "int", "long").
    public init?(name: String) {
        switch name {
        case "float64", "double", "f8": self = .float64
        case "float32", "float", "f4": self = .float32
        case "int64", "int", "long", "i8": self = .int64
        default: return nil
        }
    }
}

/// A Swift scalar type that can be a tensor element.
public protocol TensorElement: Comparable, Sendable {
    static var dtype: DType { get }
    static var zero: Self { get }
    static var one: Self { get }
    init(fromDouble: Double)
    var asDouble: Double { get }
}

extension Double: TensorElement {
    public static var dtype: DType { .float64 }
    public static var one: Double { 1 }
    @inline(__always) public init(fromDouble d: Double) { self = d }
    @inline(__always) public var asDouble: Double { self }
}

extension Float: TensorElement {
    public static var dtype: DType { .float32 }
    public static var one: Float { 1 }
    @inline(__always) public init(fromDouble d: Double) { self = Float(d) }
    @inline(__always) public var asDouble: Double { Double(self) }
}

extension Int64: TensorElement {
    public static var dtype: DType { .int64 }
    public static var one: Int64 { 1 }
    /// Truncates toward zero; NaN and out-of-range values saturate instead of trapping.
    @inline(__always) public init(fromDouble d: Double) {
        if d.isNaN { self = 0 }
        else if d >= 9.223372036854775807e18 { self = .max }
        else if d <= -9.223372036854775808e18 { self = .min }
        else { self = Int64(d) }
    }
    @inline(__always) public var asDouble: Double { Double(self) }
}
