import Data
import Foundation
import Tensor
import Testing

/// IDX files: hand-made ones, plain and gzip-compressed, every way a file can be wrong, and the
/// real Fashion-MNIST from Debian's dataset-fashion-mnist.
@Suite struct IDXTests {
    let dir: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-idx-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ name: String, _ bytes: [UInt8], gzip: Bool = false) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if gzip {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/gzip")
            p.arguments = ["-f", "-n", path]
            try p.run(); p.waitUntilExit()
            return path + ".gz"
        }
        return path
    }

    /// 2 images of 2×3 unsigned bytes.
    let images: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6]

    @Test func readsTypesShapesAndGzip() throws {
        let plain = try IDX.load(try write("a.idx", images))
        #expect(plain.shape == [2, 2, 3] && plain.dtype == .int64)
        #expect(plain.toInt64s() == [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6])
        let zipped = try IDX.load(try write("b.idx", images, gzip: true))
        #expect(zipped.toInt64s() == plain.toInt64s())
        let x = try IDX.loadImages(try write("c.idx", images, gzip: true))
        #expect(x.shape == [2, 6] && x.dtype == .float32)
        #expect(x.toDoubles()[0...5].map { ($0 * 255).rounded() } == [0, 51, 102, 153, 204, 255])
        // big-endian signed shorts and doubles
        let shorts = try IDX.load(try write("s.idx", [0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00]))
        #expect(shorts.toInt64s() == [-2, 256])
        var dbl: [UInt8] = [0, 0, 0x0E, 1, 0, 0, 0, 1]
        dbl += withUnsafeBytes(of: (1.5).bitPattern.bigEndian) { Array($0) }
        #expect(try IDX.load(try write("d.idx", dbl)).toDoubles() == [1.5])
    }

    @Test func badFilesAreErrorsThatNameTheFile() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        let wrongMagic = try write("m.idx", [1, 2, 3, 4, 0, 0, 0, 1, 9])
        #expect(message { try IDX.load(wrongMagic) }.contains("m.idx") && message { try IDX.load(wrongMagic) }.contains("magic"))
        let truncated = try write("t.idx", Array(images.dropLast(2)))
        #expect(message { try IDX.load(truncated) }.contains("size mismatch"))
        let shortHeader = try write("h.idx", [0, 0, 0x08, 3, 0, 0])
        #expect(message { try IDX.load(shortHeader) }.contains("truncated IDX header"))
        let badType = try write("y.idx", [0, 0, 0x07, 1, 0, 0, 0, 1, 5])
        #expect(message { try IDX.load(badType) }.contains("unknown IDX element type"))
        var gz = try Data(contentsOf: URL(fileURLWithPath: try write("g.idx", images + [UInt8](repeating: 7, count: 4000), gzip: true)))
        gz = gz.prefix(gz.count / 2)
        try gz.write(to: URL(fileURLWithPath: dir + "/cut.idx.gz"))
        #expect(message { try IDX.load(dir + "/cut.idx.gz") }.contains("gzip"))
        #expect(message { try IDX.loadImages(try write("l.idx", [0, 0, 0x08, 1, 0, 0, 0, 1, 3])) }.contains("unsigned-byte images"))
        #expect(message { try IDX.load(dir + "/missing.idx") }.contains("No such file"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: ImageDataset.debianFashionMNIST + "/t10k-images-idx3-ubyte.gz"),
                   "Debian's dataset-fashion-mnist is not installed (make installs it)"))
    func readsFashionMNISTFromDebian() throws {
        let test = try ImageDataset.load(directory: ImageDataset.debianFashionMNIST, split: "test", classes: ImageDataset.fashionClasses)
        #expect(test.x.shape == [10_000, 784] && test.x.dtype == .float32)
        let labels = test.labels.toInt64s()
        // Fashion-MNIST's test split is balanced: 1000 images per class.
        #expect((0..<10).map { k in labels.filter { $0 == Int64(k) }.count } == [Int](repeating: 1000, count: 10))
        let v = test.x.toDoubles()
        #expect(v.min()! == 0 && v.max()! == 1)
        #expect(throws: TensorError.self) { try ImageDataset.load(directory: ImageDataset.debianFashionMNIST, split: "validation", classes: ImageDataset.fashionClasses) }
    }
}
