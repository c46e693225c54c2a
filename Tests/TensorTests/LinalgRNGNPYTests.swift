import Foundation
import Tensor
import Testing

@Suite struct LinalgTests {
    let spd = try! Tensor([4.0, 2, 0.6, 2, 5, 1, 0.6, 1, 3], shape: [3, 3])  // fixture

    @Test func choleskyReconstructs() throws {
        let l = try Linalg.cholesky(spd)
        #expect(close(try l.mm(l.t()).toDoubles(), spd.toDoubles()))
        #expect(try l.double(at: [0, 1]) == 0 && l.double(at: [0, 0]) == 2)
        #expect(throws: TensorError.self) { try Linalg.cholesky(Tensor([1.0, 2, 2, 1], shape: [2, 2])) }
    }

    @Test func solveInvLogdet() throws {
        let x = try Linalg.solve(spd, Tensor([1.0, 2, 3]))
        #expect(close(try spd.mm(x).toDoubles(), [1, 2, 3]))
        #expect(close(try Linalg.inv(spd).mm(spd).toDoubles(), try Tensor.eye(3).toDoubles()))
        let (s, l) = try Linalg.slogdet(Tensor([4.0, 2, 2, 3], shape: [2, 2]))
        #expect(s == 1 && close([l], [log(8)]))
        #expect(throws: TensorError.self) { try Linalg.solve(Tensor([1.0, 2, 2, 4], shape: [2, 2]), Tensor([1.0, 1])) }
        #expect(throws: TensorError.self) { try Linalg.inv(Tensor.zeros([2, 2])) }
    }

    @Test func eighAndPinvAndLstsq() throws {
        let (w, _) = try Linalg.eigh(Tensor([2.0, 1, 1, 2], shape: [2, 2]))
        #expect(close(w.toDoubles(), [1, 3]))
        let r = try Tensor([1.0, 2, 2, 4, 3, 6], shape: [3, 2])
        let p = try Linalg.pinv(r)
        #expect(close(try r.mm(p).mm(r).toDoubles(), r.toDoubles()))
        let (sol, rank) = try Linalg.lstsq(Tensor([1.0, 1], shape: [1, 2]), Tensor([2.0]))
        #expect(close(sol.toDoubles(), [1, 1]) && rank == 1)
    }
}

@Suite struct RNGTests {
    @Test func reproducibleBitForBit() throws {
        #expect(try RNG(seed: 1).normal([1000]).toDoubles() == RNG(seed: 1).normal([1000]).toDoubles())
        #expect(try RNG(seed: 1).normal([10]).toDoubles() != RNG(seed: 2).normal([10]).toDoubles())
    }

    @Test func splitDependsOnKeyAndName() throws {
        let g = RNG(seed: 8)
        let a = try g.split("x").uniform([5]).toDoubles()
        _ = g.next()
        #expect(try g.split("x").uniform([5]).toDoubles() == a)
        #expect(try g.split("y").uniform([5]).toDoubles() != a)
    }

    @Test func normalMoments() throws {
        // 5 standard errors: SE(mean) = 1/√n, SE(var) ≈ √(2/n).
        let n = 400_000
        let z = try RNG(seed: 12).normal([n])
        #expect(Swift.abs(try z.reduce(.mean).item()) < 5 / sqrt(Double(n)))
        #expect(Swift.abs(try z.reduce(.variance).item() - 1) < 5 * sqrt(2 / Double(n)))
    }

    @Test func integersAreInclusiveAndUnbiased() throws {
        let t = try RNG(seed: 2).integers(0, 2, [30000]).toInt64s()
        #expect(t.min() == 0 && t.max() == 2)
        for k in Int64(0)...2 {
            let f = Double(t.filter { $0 == k }.count) / 30000
            #expect(Swift.abs(f - 1.0 / 3) < 5 * sqrt(2.0 / 9 / 30000))
        }
        #expect(throws: TensorError.self) { try RNG(seed: 1).integers(3, 2, [1]) }
    }

    @Test func choiceAndPermutation() throws {
        let g = RNG(seed: 3)
        #expect(try g.permutation(100).sorted() == Array(0..<100))
        let c = try g.choice(50_000_000, 1000, replace: false)
        #expect(Set(c).count == 1000 && c.allSatisfy { $0 >= 0 && $0 < 50_000_000 })
        // dense and sparse shuffles are the same algorithm: same seed, same picks
        let dense = try RNG(seed: 4).choice(1 << 22, 10, replace: false)
        #expect(dense.allSatisfy { $0 < 1 << 22 })
        #expect(throws: TensorError.self) { try g.choice(3, 4, replace: false) }
    }
}

@Suite struct NPYTests {
    @Test func roundTripAllDtypes() throws {
        for t in [try RNG(seed: 1).normal([3, 4]), try RNG(seed: 1).normal([2, 2], dtype: .float32),
                  try RNG(seed: 1).integers(-9, 9, [5]), try Tensor(scalar: 3.0), try Tensor.zeros([0, 2])] {
            let back = try NPY.decode(NPY.encode(t))
            #expect(back.dtype == t.dtype && back.shape == t.shape && back.toDoubles() == t.toDoubles())
        }
    }

    @Test func headerIsNumPyStyle() throws {
        let d = try NPY.encode(Tensor.zeros([2, 3]))
        let header = String(decoding: d[10..<(10 + Int(d[8]))], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect((10 + Int(d[8])) % 64 == 0 && header.hasSuffix("\n"))
    }

    @Test func readsFortranOrderAndBigEndian() throws {
        // A 2x3 big-endian int32 array in Fortran order, built by hand: logical [[1,2,3],[4,5,6]].
        var header = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }"
        header += String(repeating: " ", count: 64 - (10 + header.count + 1) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + Array(header.utf8)
        for v: Int32 in [1, 4, 2, 5, 3, 6] { withUnsafeBytes(of: v.bigEndian) { bytes += $0 } }
        let t = try NPY.decode(Data(bytes))
        #expect(t.shape == [2, 3] && t.dtype == .int64 && t.toDoubles() == [1, 2, 3, 4, 5, 6])
    }

    @Test func rejectsGarbage() throws {
        #expect(throws: TensorError.self) { try NPY.decode(Data("not numpy".utf8)) }
        let good = try NPY.encode(Tensor.ones([4]))
        #expect(throws: TensorError.self) { try NPY.decode(good.prefix(good.count - 1)) }
        #expect(throws: TensorError.self) { try NPY.decode(good.prefix(12)) }
    }
}

@Suite struct FormatTests {
    @Test func footerScaleAndTruncation() throws {
        #expect(try Tensor([1.0, 2, 3, 4], shape: [2, 2]).description.hasSuffix("[float64 tensor of size 2x2]"))
        #expect(try Tensor([1.5, 2.25]).description.contains("1.5000"))
        #expect(try Tensor([123456.0, 0.5]).description.hasPrefix("1e+05 *"))
        let big = try Tensor.arange(0, 100).description
        #expect(big.contains("…") && big.split(separator: "\n").count < 12)
        #expect(try Tensor.zeros([0, 3]).description.contains("no elements"))
        #expect(try Tensor.zeros([3, 2, 2]).description.contains("(3,.,.) ="))
    }
}

@Suite struct MemoryBudgetTests {
    @Test func budgetStopsAllocationsAndIsRestored() throws {
        try MemoryPolicy.withBudget(1000, label: "probe") {
            _ = try Tensor.zeros([100])                       // 800 bytes: fits
            #expect(throws: TensorError.self) { try Tensor.zeros([100]) }   // 800 more: over
        }
        _ = try Tensor.zeros([1000])                          // no budget outside
    }

    @Test func perTensorLimitIsAnErrorNotACrash() {
        #expect(throws: TensorError.self) { try Tensor.zeros([1 << 46]) }
    }
}
