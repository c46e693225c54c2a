import Foundation

/// Arithmetic every dtype supports. Integer arithmetic wraps instead of trapping.
public protocol ArithElement: TensorElement {
    static func add(_ a: Self, _ b: Self) -> Self
    static func sub(_ a: Self, _ b: Self) -> Self
    static func mul(_ a: Self, _ b: Self) -> Self
    static func div(_ a: Self, _ b: Self) -> Self
    static func pow(_ a: Self, _ b: Self) -> Self
    static func neg(_ a: Self) -> Self
    static func abs(_ a: Self) -> Self
}

/// Transcendental functions, for the floating-point dtypes.
public protocol FloatElement: ArithElement {
    static func exp(_ a: Self) -> Self
    static func log(_ a: Self) -> Self
    static func sqrt(_ a: Self) -> Self
    static func tanh(_ a: Self) -> Self
    static func erf(_ a: Self) -> Self
}

extension Double: FloatElement {
    @inline(__always) public static func add(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) public static func sub(_ a: Double, _ b: Double) -> Double { a - b }
    @inline(__always) public static func mul(_ a: Double, _ b: Double) -> Double { a * b }
    @inline(__always) public static func div(_ a: Double, _ b: Double) -> Double { a / b }
    @inline(__always) public static func pow(_ a: Double, _ b: Double) -> Double { b == 2 ? a * a : Foundation.pow(a, b) }
    @inline(__always) public static func neg(_ a: Double) -> Double { -a }
    @inline(__always) public static func abs(_ a: Double) -> Double { Swift.abs(a) }
    @inline(__always) public static func exp(_ a: Double) -> Double { Foundation.exp(a) }
    @inline(__always) public static func log(_ a: Double) -> Double { Foundation.log(a) }
    @inline(__always) public static func sqrt(_ a: Double) -> Double { a.squareRoot() }
    @inline(__always) public static func tanh(_ a: Double) -> Double { Foundation.tanh(a) }
    @inline(__always) public static func erf(_ a: Double) -> Double { Foundation.erf(a) }
}

extension Float: FloatElement {
    @inline(__always) public static func add(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) public static func sub(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) public static func mul(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) public static func div(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) public static func pow(_ a: Float, _ b: Float) -> Float { b == 2 ? a * a : Foundation.powf(a, b) }
    @inline(__always) public static func neg(_ a: Float) -> Float { -a }
    @inline(__always) public static func abs(_ a: Float) -> Float { Swift.abs(a) }
    @inline(__always) public static func exp(_ a: Float) -> Float { Foundation.expf(a) }
    @inline(__always) public static func log(_ a: Float) -> Float { Foundation.logf(a) }
    @inline(__always) public static func sqrt(_ a: Float) -> Float { a.squareRoot() }
    @inline(__always) public static func tanh(_ a: Float) -> Float { Foundation.tanhf(a) }
    @inline(__always) public static func erf(_ a: Float) -> Float { Foundation.erff(a) }
}

extension Int64: ArithElement {
    @inline(__always) public static func add(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) public static func sub(_ a: Int64, _ b: Int64) -> Int64 { a &- b }
    @inline(__always) public static func mul(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
    /// Floor division; division by zero gives 0 rather than trapping (int64 `/` is promoted to float64 before it gets here).
    @inline(__always) public static func div(_ a: Int64, _ b: Int64) -> Int64 {
        if b == 0 || (a == .min && b == -1) { return b == 0 ? 0 : .min }
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }
    @inline(__always) public static func pow(_ a: Int64, _ b: Int64) -> Int64 {
        if b < 0 { return a == 1 ? 1 : (a == -1 ? (b & 1 == 0 ? 1 : -1) : 0) }
        var r: Int64 = 1, base = a, e = b
        while e > 0 { if e & 1 == 1 { r = r &* base }; base = base &* base; e >>= 1 }
        return r
    }
    @inline(__always) public static func neg(_ a: Int64) -> Int64 { 0 &- a }
    @inline(__always) public static func abs(_ a: Int64) -> Int64 { a < 0 ? 0 &- a : a }
}

// MARK: op tags (static dispatch: each op × dtype pair gets its own specialised loop)

public protocol BinaryOp { static func apply<T: ArithElement>(_ a: T, _ b: T) -> T }
public enum AddOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { T.add(a, b) } }
public enum SubOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { T.sub(a, b) } }
public enum MulOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { T.mul(a, b) } }
public enum DivOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { T.div(a, b) } }
public enum PowOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { T.pow(a, b) } }
public enum MaxOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { a >= b || a != a ? a : b } }
public enum MinOp: BinaryOp { @inline(__always) public static func apply<T: ArithElement>(_ a: T, _ b: T) -> T { a <= b || a != a ? a : b } }

public protocol CompareOp { static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool }
public enum LtOp: CompareOp { @inline(__always) public static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool { a < b } }
public enum LeOp: CompareOp { @inline(__always) public static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool { a <= b } }
public enum GtOp: CompareOp { @inline(__always) public static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool { a > b } }
public enum GeOp: CompareOp { @inline(__always) public static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool { a >= b } }
public enum EqOp: CompareOp { @inline(__always) public static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool { a == b } }
public enum NeOp: CompareOp { @inline(__always) public static func apply<T: TensorElement>(_ a: T, _ b: T) -> Bool { a != b } }

/// Unary maps over floating-point values; the ones that keep integers integral (neg, abs, relu)
/// also map int64 (`IntUnaryOp`). Every other op turns int64 input into float64 first.
public protocol UnaryOp { static func apply<T: FloatElement>(_ a: T) -> T }
public protocol IntUnaryOp: UnaryOp { static func applyInt(_ a: Int64) -> Int64 }
public enum NegOp: IntUnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { T.neg(a) }; public static func applyInt(_ a: Int64) -> Int64 { Int64.neg(a) } }
public enum AbsOp: IntUnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { T.abs(a) }; public static func applyInt(_ a: Int64) -> Int64 { Int64.abs(a) } }
public enum ReluOp: IntUnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { a > T.zero ? a : T.zero }; public static func applyInt(_ a: Int64) -> Int64 { a > 0 ? a : 0 } }
public enum ExpOp: UnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { T.exp(a) } }
public enum LogOp: UnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { T.log(a) } }
public enum SqrtOp: UnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { T.sqrt(a) } }
public enum TanhOp: UnaryOp { @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T { T.tanh(a) } }
public enum SigmoidOp: UnaryOp {
    @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T {
        // Stable in both tails: never exponentiates a large positive number.
        if a >= T.zero { return T.div(T.one, T.add(T.one, T.exp(T.neg(a)))) }
        let e = T.exp(a)
        return T.div(e, T.add(T.one, e))
    }
}

/// The Gaussian error linear unit, exact form x·Φ(x) (PyTorch's default `nn.GELU`), and its derivative.
public enum GeluOp: UnaryOp {
    @inline(__always) public static func apply<T: FloatElement>(_ a: T) -> T {
        T.mul(T.mul(T(fromDouble: 0.5), a), T.add(T.one, T.erf(T.mul(a, T(fromDouble: 0.7071067811865476)))))
    }
}

public enum GELU {
    /// d/dx x·Φ(x) = Φ(x) + x·φ(x).
    @inline(__always) public static func derivative(_ x: Double) -> Double {
        0.5 * (1 + Foundation.erf(x * 0.7071067811865476)) + x * 0.3989422804014327 * Foundation.exp(-0.5 * x * x)
    }
    @inline(__always) public static func derivative(_ x: Float) -> Float {
        0.5 * (1 + Foundation.erff(x * 0.70710678)) + x * 0.39894228 * Foundation.expf(-0.5 * x * x)
    }
}
