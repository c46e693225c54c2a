import CKernels
/// Elementwise binary and unary operations with NumPy broadcasting.
public enum BinaryKind: String, Sendable { case add, sub, mul, div, pow, maximum, minimum }
public enum CompareKind: String, Sendable { case lt, le, gt, ge, eq, ne }
public enum UnaryKind: String, Sendable {
    case neg, abs, relu, exp, log, sqrt, tanh, sigmoid, gelu
    /// neg, abs and relu map int64 to int64; the others need floating point (int64 becomes float64).
    public var keepsIntegers: Bool { self == .neg || self == .abs || self == .relu }
}

extension Tensor {
    /// A 0-d tensor holding `value`, typed to combine with `other` the way NumPy treats Python
    /// scalars: a float tensor keeps its dtype; an int64 tensor stays int64 only for integral values.
    public static func scalar(_ value: Double, like other: Tensor) throws -> Tensor {
        let integral = value.rounded() == value && Swift.abs(value) < 9.2e18
        switch other.dtype {
        case .float64: return try Tensor(scalar: value)
        case .float32: return try Tensor(scalar: Float(value))
        case .int64: return integral ? try Tensor(scalar: Int64(value)) : try Tensor(scalar: value)
        }
    }

    /// The result of `kind` applied elementwise to self and `other`, broadcast together.
    public func binary(_ kind: BinaryKind, _ other: Tensor) throws -> Tensor {
        guard let shape = broadcastShapes(self.shape, other.shape) else {
            throw TensorError("shapes \(describeShape(self.shape)) and \(describeShape(other.shape)) cannot be broadcast together for '\(kind.rawValue)'")
        }
        var dt = DType.promote(dtype, other.dtype)
        if dt == .int64 && (kind == .div || kind == .pow) { dt = .float64 }
        let a = try astypeIfNeeded(dt), b = try other.astypeIfNeeded(dt)
        let out = try Tensor(uninitialized: shape, dtype: dt)
        try out.assignBinary(kind, a, b)
        return out
    }

    /// Writes kind(self, other) into `out` (no allocation): out must have the broadcast shape and
    /// the result's dtype; it may be self or other themselves (the elementwise update is safe).
    public func binary(_ kind: BinaryKind, _ other: Tensor, into out: Tensor) throws {
        guard let shape = broadcastShapes(self.shape, other.shape), shape == out.shape else {
            throw TensorError("'\(kind.rawValue)' into out: the result has shape \(broadcastShapes(self.shape, other.shape).map(describeShape) ?? "(none)") but out is \(describeShape(out.shape))")
        }
        var dt = DType.promote(dtype, other.dtype)
        if dt == .int64 && (kind == .div || kind == .pow) { dt = .float64 }
        guard out.dtype == dt else { throw TensorError("'\(kind.rawValue)' into out: the result is \(dt.rawValue) but out is \(out.dtype.rawValue)") }
        try out.checkWritable("\(kind.rawValue) into out")
        var a = try astypeIfNeeded(dt), b = try other.astypeIfNeeded(dt)
        if a.storage === out.storage && !a.sameView(out) { a = try a.clone() }
        if b.storage === out.storage && !b.sameView(out) { b = try b.clone() }
        try out.assignBinary(kind, a, b)
    }

    /// Writes kind(self) into `out` (same shape; out's dtype must be the result's).
    public func unary(_ kind: UnaryKind, into out: Tensor) throws {
        let dt: DType = dtype == .int64 && !kind.keepsIntegers ? .float64 : dtype
        guard out.shape == shape, out.dtype == dt else {
            throw TensorError("'\(kind.rawValue)' into out: expected out of shape \(describeShape(shape)) and dtype \(dt.rawValue), got \(describeShape(out.shape)) \(out.dtype.rawValue)")
        }
        try out.checkWritable("\(kind.rawValue) into out")
        var src = try astypeIfNeeded(dt)
        if src.storage === out.storage && !src.sameView(out) { src = try src.clone() }
        out.assignUnary(kind, src)
    }

    /// True when both views cover the same elements in the same order.
    func sameView(_ o: Tensor) -> Bool { storage === o.storage && offset == o.offset && shape == o.shape && strides == o.strides }

    /// Writes `kind(a, b)` into self (whose shape the operands must broadcast to; same dtype).
    func assignBinary(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor) throws {
        switch kind {
        case .add: try dispatchBinary(AddOp.self, a, b)
        case .sub: try dispatchBinary(SubOp.self, a, b)
        case .mul: try dispatchBinary(MulOp.self, a, b)
        case .div: try dispatchBinary(DivOp.self, a, b)
        case .pow: try dispatchBinary(PowOp.self, a, b)
        case .maximum: try dispatchBinary(MaxOp.self, a, b)
        case .minimum: try dispatchBinary(MinOp.self, a, b)
        }
    }

    private func dispatchBinary<Op: BinaryOp>(_ op: Op.Type, _ a: Tensor, _ b: Tensor) throws {
        switch dtype {
        case .float64: binaryKernel(Double.self, op, a, b)
        case .float32: binaryKernel(Float.self, op, a, b)
        case .int64: binaryKernel(Int64.self, op, a, b)
        }
    }

    private func binaryKernel<T: ArithElement, Op: BinaryOp>(_: T.Type, _: Op.Type, _ a: Tensor, _ b: Tensor) {
        let po = base(T.self), pa = a.base(T.self), pb = b.base(T.self)
        if isContiguous && a.isContiguous && b.isContiguous && a.shape == shape && b.shape == shape {
            Parallel.forRanges(count) { r in for i in r { po[i] = Op.apply(pa[i], pb[i]) } }
            return
        }
        forEachRun(shape: shape, strides: [strides, a.broadcastStrides(to: shape), b.broadcastStrides(to: shape)],
                   offsets: [0, 0, 0]) { offs, n, inner in
            let o = po + offs[0], x = pa + offs[1], y = pb + offs[2]
            let so = inner[0], sx = inner[1], sy = inner[2]
            if so == 1 && sx == 1 && sy == 1 {
                for i in 0..<n { o[i] = Op.apply(x[i], y[i]) }
            } else if so == 1 && sx == 1 && sy == 0 {
                let c = y[0]
                for i in 0..<n { o[i] = Op.apply(x[i], c) }
            } else if so == 1 && sx == 0 && sy == 1 {
                let c = x[0]
                for i in 0..<n { o[i] = Op.apply(c, y[i]) }
            } else {
                for i in 0..<n { o[i * so] = Op.apply(x[i * sx], y[i * sy]) }
            }
        }
    }

    /// Elementwise comparison; an int64 0/1 mask of the broadcast shape.
    public func compare(_ kind: CompareKind, _ other: Tensor) throws -> Tensor {
        guard let shape = broadcastShapes(self.shape, other.shape) else {
            throw TensorError("shapes \(describeShape(self.shape)) and \(describeShape(other.shape)) cannot be broadcast together for '\(kind.rawValue)'")
        }
        let dt = DType.promote(dtype, other.dtype)
        let a = try astypeIfNeeded(dt), b = try other.astypeIfNeeded(dt)
        let out = try Tensor(uninitialized: shape, dtype: .int64)
        switch kind {
        case .lt: out.compareDispatch(LtOp.self, a, b)
        case .le: out.compareDispatch(LeOp.self, a, b)
        case .gt: out.compareDispatch(GtOp.self, a, b)
        case .ge: out.compareDispatch(GeOp.self, a, b)
        case .eq: out.compareDispatch(EqOp.self, a, b)
        case .ne: out.compareDispatch(NeOp.self, a, b)
        }
        return out
    }

    private func compareDispatch<Op: CompareOp>(_ op: Op.Type, _ a: Tensor, _ b: Tensor) {
        switch a.dtype {
        case .float64: compareKernel(Double.self, op, a, b)
        case .float32: compareKernel(Float.self, op, a, b)
        case .int64: compareKernel(Int64.self, op, a, b)
        }
    }

    private func compareKernel<T: TensorElement, Op: CompareOp>(_: T.Type, _: Op.Type, _ a: Tensor, _ b: Tensor) {
        let po = base(Int64.self), pa = a.base(T.self), pb = b.base(T.self)
        if b.count == 1 && a.isContiguous && a.shape == shape && isContiguous {
            // Against a scalar: a straight loop the compiler can vectorise.
            let c = pb[0]
            for i in 0..<count { po[i] = Op.apply(pa[i], c) ? 1 : 0 }
            return
        }
        forEachRun(shape: shape, strides: [strides, a.broadcastStrides(to: shape), b.broadcastStrides(to: shape)],
                   offsets: [0, 0, 0]) { offs, n, inner in
            let o = po + offs[0], x = pa + offs[1], y = pb + offs[2]
            let so = inner[0], sx = inner[1], sy = inner[2]
            for i in 0..<n { o[i * so] = Op.apply(x[i * sx], y[i * sy]) ? 1 : 0 }
        }
    }

    /// Elementwise unary map. exp/log/sqrt/tanh/sigmoid/gelu turn int64 input into float64.
    public func unary(_ kind: UnaryKind) throws -> Tensor {
        let src = (dtype == .int64 && !kind.keepsIntegers) ? try astype(.float64) : self
        let out = try Tensor(uninitialized: shape, dtype: src.dtype)
        out.assignUnary(kind, src)
        return out
    }

    /// Writes `kind(src)` into self (same shape and dtype).
    func assignUnary(_ kind: UnaryKind, _ src: Tensor) {
        if dtype == .float32, let f = Tensor.vectorKernel(kind) {
            // float32 transcendentals: the vectorised kernels (CKernels/math.c), per contiguous run.
            let po = base(Float.self), pa = src.base(Float.self)
            if isContiguous && src.isContiguous {
                Parallel.forRanges(count) { r in f(pa + r.lowerBound, po + r.lowerBound, r.count) }
                return
            }
            forEachRun(shape: shape, strides: [strides, src.strides], offsets: [0, 0]) { offs, n, inner in
                if inner[0] == 1 && inner[1] == 1 { f(pa + offs[1], po + offs[0], n); return }
                for i in 0..<n { f(pa + offs[1] + i * inner[1], po + offs[0] + i * inner[0], 1) }
            }
            return
        }
        switch kind {
        case .neg: intUnaryDispatch(NegOp.self, src)
        case .abs: intUnaryDispatch(AbsOp.self, src)
        case .relu: intUnaryDispatch(ReluOp.self, src)
        case .exp: unaryDispatch(ExpOp.self, src)
        case .log: unaryDispatch(LogOp.self, src)
        case .sqrt: unaryDispatch(SqrtOp.self, src)
        case .tanh: unaryDispatch(TanhOp.self, src)
        case .sigmoid: unaryDispatch(SigmoidOp.self, src)
        case .gelu: unaryDispatch(GeluOp.self, src)
        }
    }

    /// The vectorised float32 kernel of `kind`, where there is one.
    static func vectorKernel(_ kind: UnaryKind) -> ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
        switch kind {
        case .exp: return { ouro_exp_f32($0, $1, $2) }
        case .log: return { ouro_log_f32($0, $1, $2) }
        case .tanh: return { ouro_tanh_f32($0, $1, $2) }
        case .sigmoid: return { ouro_sigmoid_f32($0, $1, $2) }
        case .gelu: return { ouro_gelu_f32($0, $1, $2) }
        default: return nil
        }
    }

    /// Float-only ops: callers have converted int64 input to float64 (see `unary`).
    private func unaryDispatch<Op: UnaryOp>(_ op: Op.Type, _ src: Tensor) {
        if dtype == .float64 { unaryKernel(Double.self, src) { Op.apply($0) } } else { unaryKernel(Float.self, src) { Op.apply($0) } }
    }

    private func intUnaryDispatch<Op: IntUnaryOp>(_ op: Op.Type, _ src: Tensor) {
        switch dtype {
        case .float64: unaryKernel(Double.self, src) { Op.apply($0) }
        case .float32: unaryKernel(Float.self, src) { Op.apply($0) }
        case .int64: unaryKernel(Int64.self, src) { Op.applyInt($0) }
        }
    }

    @inline(__always)
    private func unaryKernel<T: TensorElement>(_: T.Type, _ src: Tensor, _ f: (T) -> T) {
        let po = base(T.self), pa = src.base(T.self)
        if isContiguous && src.isContiguous {
            for i in 0..<count { po[i] = f(pa[i]) }
            return
        }
        forEachRun(shape: shape, strides: [strides, src.strides], offsets: [0, 0]) { offs, n, inner in
            let o = po + offs[0], x = pa + offs[1], so = inner[0], sx = inner[1]
            for i in 0..<n { o[i * so] = f(x[i * sx]) }
        }
    }

    // MARK: in place

    /// self = kind(self, other), in place. `other` must broadcast to self's shape; an int64
    /// tensor cannot take a float result.
    @discardableResult
    public func binary_(_ kind: BinaryKind, _ other: Tensor) throws -> Tensor {
        try checkWritable("\(kind.rawValue)_")
        guard let shape = broadcastShapes(self.shape, other.shape), shape == self.shape else {
            throw TensorError("in-place '\(kind.rawValue)_': shape \(describeShape(other.shape)) does not broadcast to \(describeShape(self.shape))")
        }
        if dtype == .int64 && (other.dtype != .int64 || kind == .div || kind == .pow) {
            throw TensorError("in-place '\(kind.rawValue)_': the result is floating point but the tensor is int64; use the out-of-place form")
        }
        var b = try other.astypeIfNeeded(dtype)
        if b.storage === storage { b = try b.contiguous() }  // avoid reading what we overwrite
        try assignBinary(kind, self, b)
        return self
    }

    /// Applies `kind` to every element in place (float tensors only for exp/log/sqrt/tanh/sigmoid).
    @discardableResult
    public func unary_(_ kind: UnaryKind) throws -> Tensor {
        try checkWritable("\(kind.rawValue)_")
        if dtype == .int64 && !kind.keepsIntegers {
            throw TensorError("in-place '\(kind.rawValue)_' needs a floating-point tensor, got int64")
        }
        assignUnary(kind, self)
        return self
    }

    /// Sets every element to `value`, in place.
    @discardableResult
    public func fill_(_ value: Double) throws -> Tensor {
        try checkWritable("fill_")
        switch dtype {
        case .float64: fillKernel(value)
        case .float32: fillKernel(Float(value))
        case .int64: fillKernel(Int64(fromDouble: value))
        }
        return self
    }

    private func fillKernel<T: TensorElement>(_ v: T) {
        let p = base(T.self)
        forEachRun(shape: shape, strides: [strides], offsets: [0]) { offs, n, inner in
            let o = p + offs[0], s = inner[0]
            for i in 0..<n { o[i * s] = v }
        }
    }

    /// Copies `src` (broadcast to self's shape, converted to self's dtype) into self.
    @discardableResult
    public func copy_(_ src: Tensor) throws -> Tensor {
        try checkWritable("copy_")
        guard let shape = broadcastShapes(self.shape, src.shape), shape == self.shape else {
            throw TensorError("copy_: shape \(describeShape(src.shape)) does not broadcast to \(describeShape(self.shape))")
        }
        var s = src
        if s.storage === storage { s = try s.contiguous() }
        if dtype == s.dtype && isContiguous && s.isContiguous && s.shape == shape {
            (storage.bytes + offset * dtype.size).copyMemory(from: s.storage.bytes + s.offset * dtype.size, byteCount: count * dtype.size)
            return self
        }
        switch (dtype, s.dtype) {
        case (.float64, .float64): convertKernel(Double.self, Double.self, s) { $0 }
        case (.float64, .float32): convertKernel(Double.self, Float.self, s) { Double($0) }
        case (.float64, .int64): convertKernel(Double.self, Int64.self, s) { Double($0) }
        case (.float32, .float64): convertKernel(Float.self, Double.self, s) { Float($0) }
        case (.float32, .float32): convertKernel(Float.self, Float.self, s) { $0 }
        case (.float32, .int64): convertKernel(Float.self, Int64.self, s) { Float($0) }
        case (.int64, .float64): convertKernel(Int64.self, Double.self, s) { Int64(fromDouble: $0) }
        case (.int64, .float32): convertKernel(Int64.self, Float.self, s) { Int64(fromDouble: Double($0)) }
        case (.int64, .int64): convertKernel(Int64.self, Int64.self, s) { $0 }
        }
        return self
    }

    @inline(__always)
    private func convertKernel<D: TensorElement, S: TensorElement>(_: D.Type, _: S.Type, _ src: Tensor, _ f: (S) -> D) {
        let po = base(D.self), ps = src.base(S.self)
        if isContiguous && src.isContiguous && src.shape == shape {
            for i in 0..<count { po[i] = f(ps[i]) }
            return
        }
        forEachRun(shape: shape, strides: [strides, src.broadcastStrides(to: shape)], offsets: [0, 0]) { offs, n, inner in
            let o = po + offs[0], x = ps + offs[1], so = inner[0], sx = inner[1]
            for i in 0..<n { o[i * so] = f(x[i * sx]) }
        }
    }

    /// A contiguous copy converted to `dtype`.
    public func astype(_ dtype: DType) throws -> Tensor {
        let out = try Tensor(uninitialized: shape, dtype: dtype)
        try out.copy_(self)
        return out
    }

    /// Self when it already has `dtype`, else a converted copy.
    public func astypeIfNeeded(_ dtype: DType) throws -> Tensor {
        self.dtype == dtype ? self : try astype(dtype)
    }

    /// A contiguous copy (always a new storage).
    public func clone() throws -> Tensor { try astype(dtype) }

    /// Self if contiguous, else a contiguous copy.
    public func contiguous() throws -> Tensor { isContiguous ? self : try clone() }
}
