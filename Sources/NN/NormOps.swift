import Autograd
import Tensor

/// Layer normalisation over the last dimension, fused: one pass for mean and variance per row,
/// one to write; backward from the saved normalised values and reciprocal standard deviations.
public enum LayerNormOp {
    public static func forward(_ x0: Tensor, weight: Tensor?, bias: Tensor?, eps: Double) throws -> Tensor {
        guard x0.rank >= 1 else { throw TensorError("layer_norm: needs at least a 1-D input") }
        let d = x0.shape[x0.rank - 1]
        for (name, p) in [("weight", weight), ("bias", bias)] {
            if let p = p, p.shape != [d] {
                throw TensorError("layer_norm: the \(name) has shape \(describeShape(p.shape)) but the input's last dimension is \(d) (input \(describeShape(x0.shape)))")
            }
        }
        let dt = weight?.dtype ?? x0.dtype
        guard dt.isFloatingPoint else { throw TensorError("layer_norm needs a floating-point input") }
        let x = try x0.astypeIfNeeded(dt).contiguous()
        let rows = d == 0 ? 0 : x.count / d
        let xhat = try Tensor(uninitialized: x.shape, dtype: dt)
        let rstd = try Tensor(uninitialized: [rows], dtype: .float64)
        if dt == .float64 { normalise(x.base(Double.self), xhat.base(Double.self), rstd.base(Double.self), rows, d, eps) }
        else { normalise(x.base(Float.self), xhat.base(Float.self), rstd.base(Double.self), rows, d, eps) }
        var y = xhat
        if let w = weight { y = try y.binary(.mul, w) }
        if let b = bias { y = try y.binary(.add, b) }
        if y === xhat { y = try xhat.clone() }
        let inputs = [x0] + [weight, bias].compactMap { $0 }
        guard Autograd.tracking(list: inputs) else { return y }
        let needs = inputs.map { $0.requiresGrad }
        let w = weight.map(Autograd.alias), xdt = x0.dtype, shape = x0.shape
        return Autograd.record(y, "layer_norm", inputs, saved: weight.map { [$0] } ?? []) { g0 in
            let g = try g0.contiguous()
            var grads: [Tensor?] = []
            if needs[0] {
                let gh = try w.map { try g.binary(.mul, $0) } ?? g
                let gx = try Tensor(uninitialized: shape, dtype: dt)
                let ghc = try gh.contiguous()
                if dt == .float64 { backward(ghc.base(Double.self), xhat.base(Double.self), rstd.base(Double.self), gx.base(Double.self), rows, d) }
                else { backward(ghc.base(Float.self), xhat.base(Float.self), rstd.base(Double.self), gx.base(Float.self), rows, d) }
                grads.append(try gx.astypeIfNeeded(xdt))
            } else { grads.append(nil) }
            let lead = Array(0..<(shape.count - 1))
            if weight != nil { grads.append(needs[1] ? try g.binary(.mul, xhat).sum(dims: lead) : nil) }
            if bias != nil { grads.append(needs[grads.count] ? try g.sum(dims: lead) : nil) }
            return grads
        }
    }

    /// Rows are independent: they run on all cores, each computed the same way whatever the split.
    static func normalise<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ o: UnsafeMutablePointer<T>, _ rs: UnsafeMutablePointer<Double>, _ rows: Int, _ d: Int, _ eps: Double) {
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { range in
        for r in range {
            let xr = x + r * d, orow = o + r * d
            let (mean, variance) = RowSums.moments(xr, d)
            let inv = 1 / (variance + eps).squareRoot()
            rs[r] = inv
            let m = T(fromDouble: mean), iv = T(fromDouble: inv)
            for j in 0..<d { orow[j] = T.mul(T.sub(xr[j], m), iv) }
        }
        }
    }

    /// dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)), per row.
    static func backward<T: FloatElement>(_ gh: UnsafeMutablePointer<T>, _ xh: UnsafeMutablePointer<T>, _ rs: UnsafeMutablePointer<Double>, _ gx: UnsafeMutablePointer<T>, _ rows: Int, _ d: Int) {
        Parallel.forRanges(rows, grain: max(1, Parallel.grain / max(d, 1))) { range in
        for r in range {
            let g = gh + r * d, h = xh + r * d, o = gx + r * d
            let (sg, sgh) = RowSums.sumAndDot(g, h, d)
            let mg = T(fromDouble: sg / Double(d)), mgh = T(fromDouble: sgh / Double(d)), inv = T(fromDouble: rs[r])
            for j in 0..<d { o[j] = T.mul(inv, T.sub(T.sub(g[j], mg), T.mul(h[j], mgh))) }
        }
        }
    }
}

/// Group normalisation of N × C × … inputs, fused: one pass for each group's mean and variance,
/// one to write the normalised values and the per-channel scale and shift; backward from the saved
/// normalised values and reciprocal standard deviations. A group's values are contiguous in
/// N × C × … order, so each (image, group) is a row of layer normalisation.
public enum GroupNormOp {
    public static func forward(_ x0: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Double) throws -> Tensor {
        guard x0.rank >= 2 else { throw TensorError("group_norm: needs an N × C × … input, got \(describeShape(x0.shape))") }
        let n = x0.shape[0], c = x0.shape[1]
        guard groups >= 1, c % groups == 0 else { throw TensorError("group_norm: \(c) channels do not split into \(groups) groups") }
        guard weight.shape == [c], bias.shape == [c] else {
            throw TensorError("group_norm: weight and bias must have shape [\(c)], got \(describeShape(weight.shape)) and \(describeShape(bias.shape))")
        }
        let dt = weight.dtype
        guard dt.isFloatingPoint else { throw TensorError("group_norm needs a floating-point input") }
        let x = try x0.astypeIfNeeded(dt).contiguous()
        let positions = n * c == 0 ? 0 : x.count / (n * c), perGroup = c / groups
        let rows = n * groups, d = perGroup * positions
        let xhat = try Tensor(uninitialized: x.shape, dtype: dt), y = try Tensor(uninitialized: x.shape, dtype: dt)
        let rstd = try Tensor(uninitialized: [rows], dtype: .float64)
        let w = try weight.contiguous(), b = try bias.contiguous()
        let shape = Layout(rows: rows, d: d, channels: c, perGroup: perGroup, positions: positions, groups: groups)
        if dt == .float64 { normalise(x.base(Double.self), xhat.base(Double.self), y.base(Double.self), rstd.base(Double.self), w.base(Double.self), b.base(Double.self), shape, eps) }
        else { normalise(x.base(Float.self), xhat.base(Float.self), y.base(Float.self), rstd.base(Double.self), w.base(Float.self), b.base(Float.self), shape, eps) }
        let inputs = [x0, weight, bias]
        guard Autograd.tracking(list: inputs) else { return y }
        let needs = inputs.map { $0.requiresGrad }
        let wk = Autograd.alias(weight), xdt = x0.dtype
        return Autograd.record(y, "group_norm", inputs, saved: [weight]) { g0 in
            let g = try g0.astypeIfNeeded(dt).contiguous()
            let wc = try wk.contiguous()
            // Σ g and Σ g·x̂ per (image, channel) plane serve all three gradients.
            let planes = dt == .float64 ? planeSums(g.base(Double.self), xhat.base(Double.self), n: n, shape)
                                        : planeSums(g.base(Float.self), xhat.base(Float.self), n: n, shape)
            var gx: Tensor? = nil
            if needs[0] {
                let out = try Tensor(uninitialized: x.shape, dtype: dt)
                if dt == .float64 { backward(g.base(Double.self), xhat.base(Double.self), rstd.base(Double.self), wc.base(Double.self), out.base(Double.self), shape, planes) }
                else { backward(g.base(Float.self), xhat.base(Float.self), rstd.base(Double.self), wc.base(Float.self), out.base(Float.self), shape, planes) }
                gx = try out.astypeIfNeeded(xdt)
            }
            var gw: Tensor? = nil, gb: Tensor? = nil
            if needs[1] || needs[2] {
                let sums = try channelSums(planes, shape, dtype: dt)
                gw = needs[1] ? sums.scale : nil
                gb = needs[2] ? sums.shift : nil
            }
            return [gx, gw, gb]
        }
    }

    struct Layout { let rows, d, channels, perGroup, positions, groups: Int }

    /// Rows (image, group) are independent: they run on all cores, each computed the same way
    /// whatever the split.
    static func normalise<T: FloatElement>(_ x: UnsafeMutablePointer<T>, _ xh: UnsafeMutablePointer<T>, _ y: UnsafeMutablePointer<T>,
                                           _ rs: UnsafeMutablePointer<Double>, _ w: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>,
                                           _ s: Layout, _ eps: Double) {
        Parallel.forRanges(s.rows, grain: max(1, Parallel.grain / max(s.d, 1))) { range in
            for r in range {
                let (mean, variance) = RowSums.moments(x + r * s.d, s.d)
                let inv = 1 / (variance + eps).squareRoot()
                rs[r] = inv
                let m = T(fromDouble: mean), iv = T(fromDouble: inv)
                let firstChannel = (r % s.groups) * s.perGroup
                for k in 0..<s.perGroup {
                    let wc = w[firstChannel + k], bc = b[firstChannel + k], base = r * s.d + k * s.positions
                    for j in base..<(base + s.positions) {
                        let h = T.mul(T.sub(x[j], m), iv)
                        xh[j] = h
                        y[j] = T.add(T.mul(h, wc), bc)
                    }
                }
            }
        }
    }

    /// Per (image, channel) plane: Σ g and Σ g·x̂.
    static func planeSums<T: FloatElement>(_ g: UnsafeMutablePointer<T>, _ xh: UnsafeMutablePointer<T>, n: Int, _ s: Layout) -> [(g: Double, gh: Double)] {
        RowSums.perPlane(n * s.channels, length: s.positions, zero: (g: 0, gh: 0)) { p in
            RowSums.sumAndDot(g + p * s.positions, xh + p * s.positions, s.positions)
        }
    }

    /// dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) per row, with ĝ = g · weight[channel] (the
    /// row's sums are its planes' sums times their weights).
    static func backward<T: FloatElement>(_ g: UnsafeMutablePointer<T>, _ xh: UnsafeMutablePointer<T>, _ rs: UnsafeMutablePointer<Double>,
                                          _ w: UnsafeMutablePointer<T>, _ gx: UnsafeMutablePointer<T>, _ s: Layout, _ planes: [(g: Double, gh: Double)]) {
        planes.withUnsafeBufferPointer { pl in
        Parallel.forRanges(s.rows, grain: max(1, Parallel.grain / max(s.d, 1))) { range in
            for r in range {
                let firstChannel = (r % s.groups) * s.perGroup, firstPlane = (r / s.groups) * s.channels + firstChannel
                var sg = 0.0, sgh = 0.0
                for k in 0..<s.perGroup {
                    let wc = w[firstChannel + k].asDouble
                    sg += pl[firstPlane + k].g * wc; sgh += pl[firstPlane + k].gh * wc
                }
                let mg = T(fromDouble: sg / Double(s.d)), mgh = T(fromDouble: sgh / Double(s.d)), inv = T(fromDouble: rs[r])
                for k in 0..<s.perGroup {
                    let wc = w[firstChannel + k], base = r * s.d + k * s.positions
                    for j in base..<(base + s.positions) { gx[j] = T.mul(inv, T.sub(T.sub(T.mul(g[j], wc), mg), T.mul(xh[j], mgh))) }
                }
            }
        }
        }
    }

    /// Σ g·x̂ and Σ g per channel: the planes' sums added over images in order (the same bits
    /// whatever the split).
    static func channelSums(_ planes: [(g: Double, gh: Double)], _ s: Layout, dtype: DType) throws -> (scale: Tensor, shift: Tensor) {
        (try Tensor(RowSums.channelTotals(planes.map { $0.gh }, channels: s.channels)).astype(dtype),
         try Tensor(RowSums.channelTotals(planes.map { $0.g }, channels: s.channels)).astype(dtype))
    }
}
