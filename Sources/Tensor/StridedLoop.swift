/// Walks a shape in row-major order for k operands with their own strides, calling `body`
/// once per innermost run with each operand's element offset, the run length and each
/// operand's stride within the run. Size-1 dimensions are dropped and mergeable dimensions
/// coalesced, so contiguous operands become a single long run.
@inline(__always)
func forEachRun(shape: [Int], strides: [[Int]], offsets: [Int],
                _ body: (_ offsets: [Int], _ n: Int, _ inner: [Int]) -> Void) {
    if shape.contains(0) { return }
    let k = strides.count
    var dims: [Int] = []
    var st = [[Int]](repeating: [], count: k)
    for d in 0..<shape.count where shape[d] != 1 {
        var merge = !dims.isEmpty
        if merge {
            for j in 0..<k where st[j][st[j].count - 1] != strides[j][d] * shape[d] { merge = false; break }
        }
        if merge {
            dims[dims.count - 1] *= shape[d]
            for j in 0..<k { st[j][st[j].count - 1] = strides[j][d] }
        } else {
            dims.append(shape[d])
            for j in 0..<k { st[j].append(strides[j][d]) }
        }
    }
    if dims.isEmpty {
        body(offsets, 1, [Int](repeating: 0, count: k))
        return
    }
    let r = dims.count
    let n = dims[r - 1]
    var inner = [Int](repeating: 0, count: k)
    for j in 0..<k { inner[j] = st[j][r - 1] }
    var idx = [Int](repeating: 0, count: r)
    var offs = offsets
    while true {
        body(offs, n, inner)
        var d = r - 2
        while d >= 0 {
            idx[d] += 1
            for j in 0..<k { offs[j] += st[j][d] }
            if idx[d] < dims[d] { break }
            for j in 0..<k { offs[j] -= st[j][d] * dims[d] }
            idx[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// The shape two shapes broadcast to under NumPy's rules, or nil if they do not.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let r = max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let x = i < r - a.count ? 1 : a[i - (r - a.count)]
        let y = i < r - b.count ? 1 : b[i - (r - b.count)]
        if x == y || y == 1 { out[i] = x } else if x == 1 { out[i] = y } else { return nil }
    }
    return out
}

extension Tensor {
    /// This tensor's strides when broadcast to `target` (0 along broadcast dimensions).
    func broadcastStrides(to target: [Int]) -> [Int] {
        let r = target.count
        var s = [Int](repeating: 0, count: r)
        for i in 0..<shape.count {
            let j = r - shape.count + i
            s[j] = shape[i] == 1 && target[j] != 1 ? 0 : strides[i]
        }
        return s
    }
}
