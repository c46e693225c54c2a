import Data
import Foundation
import Tensor
import Testing

@Suite struct GeneratorTests {
    @Test func blobsAreReproducibleAndSplitEvenly() throws {
        let a = try Generators.blobs(n: 10, centers: nil, count: 4, rng: RNG(seed: 1))
        let b = try Generators.blobs(n: 10, centers: nil, count: 4, rng: RNG(seed: 1))
        #expect(a.x.toDoubles() == b.x.toDoubles() && a.labels == b.labels)
        #expect((0..<4).map { k in a.labels.filter { $0 == k }.count } == [3, 3, 2, 2])
        #expect(throws: Generators.DataError.self) { try Generators.blobs(n: 5, centers: Tensor([1.0, 2]), rng: RNG(seed: 1)) }
    }

    @Test func circlesFollowScikitLearnsLayout() throws {
        let (x, labels) = try Generators.circles(n: 8, factor: 0.5, rng: RNG(seed: 2))
        #expect(labels.filter { $0 == 0 }.count == 4)
        let v = x.toDoubles()
        for i in 0..<8 {
            let r = (v[2 * i] * v[2 * i] + v[2 * i + 1] * v[2 * i + 1]).squareRoot()
            #expect(abs(r - (labels[i] == 0 ? 1 : 0.5)) < 1e-12)
        }
        #expect(throws: Generators.DataError.self) { try Generators.circles(n: 4, factor: 1.5, rng: RNG(seed: 1)) }
    }

    @Test func swissRollPositions() throws {
        let (x, t) = try Generators.swissRoll(n: 1000, rng: RNG(seed: 3))
        #expect(x.shape == [1000, 3] && t.allSatisfy { $0 >= 1.5 * .pi && $0 <= 4.5 * .pi })
    }
}
