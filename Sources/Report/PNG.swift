import CPNG
import Foundation
import Tensor

/// PNG files through libpng (8-bit gray or RGB), written atomically.
public enum PNG {
    /// Pixels row by row, top to bottom, `channels` bytes each (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
    public struct Image: Equatable, Sendable {
        public let width: Int, height: Int, channels: Int
        public var pixels: [UInt8]
        public init(width: Int, height: Int, channels: Int = 1, pixels: [UInt8]) {
            self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
        }
    }

    static func message(_ err: [CChar]) -> String { String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }

    /// The PNG file of an image (gray or RGB).
    public static func encode(_ image: Image) throws -> [UInt8] {
        guard image.pixels.count == image.width * image.height * image.channels else {
            throw TensorError("png: \(image.pixels.count) bytes for a \(image.width)×\(image.height) image with \(image.channels) channels")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var len = 0
        var err = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { p in
            ouro_png_encode(p.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), &out, &len, &err, err.count)
        }
        guard status == 0, let out else { throw TensorError("png: " + message(err)) }
        defer { ouro_png_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: len))
    }

    /// The image in a PNG file's bytes (palettes and 16-bit depths come back as 8-bit).
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        var px: UnsafeMutablePointer<UInt8>?
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        var err = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { ouro_png_decode($0.baseAddress, $0.count, &px, &w, &h, &c, &err, err.count) }
        guard status == 0, let px else { throw TensorError("png: " + message(err)) }
        defer { ouro_png_free(px) }
        return Image(width: Int(w), height: Int(h), channels: Int(c), pixels: Array(UnsafeBufferPointer(start: px, count: Int(w * h * c))))
    }

    public static func write(_ image: Image, to path: String) throws { try AtomicFile.write(try encode(image), to: path) }

    public static func read(_ path: String) throws -> Image {
        guard let bytes = try AtomicFile.read(path) else { throw TensorError("cannot read '\(path)': No such file or directory") }
        do { return try decode(bytes) } catch let e as TensorError { throw TensorError("'\(path)': \(e.message)") }
    }
}

/// Images laid out as a grid of tiles, for a person to look at (samples per generation).
public enum ImageGrid {
    /// A gray grid of n images (rows of side² values in [0, 1], or n × side × side), `columns` per
    /// row, in order; each pixel becomes scale × scale pixels and tiles are `gap` pixels apart on
    /// a mid-gray ground. Values are clamped to [0, 1] (NaN shows black).
    public static func render(_ images: Tensor, columns: Int, side: Int? = nil, gap: Int = 2, scale: Int = 1) throws -> PNG.Image {
        guard images.rank == 2 || images.rank == 3, images.shape[0] >= 1 else {
            throw TensorError("image grid: expected n images as n × side² or n × side × side, got shape \(describeShape(images.shape))")
        }
        let n = images.shape[0], per = images.count / n
        let s = side ?? (images.rank == 3 ? images.shape[1] : Int(Double(per).squareRoot().rounded()))
        guard s >= 1, s * s == per else { throw TensorError("image grid: \(per) values per image is not a square image\(side.map { " of side \($0)" } ?? "")") }
        guard columns >= 1, gap >= 0, gap <= 64, scale >= 1, scale <= 64 else {
            throw TensorError("image grid: columns must be ≥ 1, gap in 0…64 and scale in 1…64")
        }
        let cols = min(columns, n), rows = (n + cols - 1) / cols
        let tile = s * scale
        let width = cols * tile + (cols + 1) * gap, height = rows * tile + (rows + 1) * gap
        try MemoryPolicy.checkCount(width * height, bytesPerItem: 1, what: "image grid pixels")
        var px = [UInt8](repeating: 128, count: width * height)
        let v = try images.astype(.float64).contiguous().toDoubles()
        for k in 0..<n {
            let x0 = gap + (k % cols) * (tile + gap), y0 = gap + (k / cols) * (tile + gap)
            for i in 0..<tile {
                for j in 0..<tile {
                    let value = v[k * per + (i / scale) * s + j / scale]
                    px[(y0 + i) * width + x0 + j] = value.isNaN ? 0 : UInt8((min(max(value, 0), 1) * 255).rounded())
                }
            }
        }
        return PNG.Image(width: width, height: height, channels: 1, pixels: px)
    }
}
