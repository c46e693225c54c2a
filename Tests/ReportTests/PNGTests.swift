import Foundation
import Report
import Tensor
import XCTest

/// PNG through libpng: what is written reads back pixel for pixel, damaged files are errors (not
/// crashes), and grids put each image where it belongs.
final class PNGTests: XCTestCase {
    func testRoundTripGrayAndRGB() throws {
        var g = SystemRandomNumberGenerator()
        for (w, h, c) in [(1, 1, 1), (28, 28, 1), (57, 13, 3), (300, 2, 1)] {
            let px = (0..<(w * h * c)).map { _ in UInt8.random(in: 0...255, using: &g) }
            let image = PNG.Image(width: w, height: h, channels: c, pixels: px)
            let bytes = try PNG.encode(image)
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "the PNG signature")
            XCTAssertEqual(try PNG.decode(bytes), image, "\(w)×\(h)×\(c)")
        }
    }

    func testDamagedFilesAreErrors() throws {
        let bytes = try PNG.encode(PNG.Image(width: 20, height: 20, channels: 1, pixels: [UInt8](repeating: 7, count: 400)))
        XCTAssertThrowsError(try PNG.decode(Array(bytes.prefix(40)))) { XCTAssertTrue("\($0)".contains("png"), "\($0)") }
        XCTAssertThrowsError(try PNG.decode([1, 2, 3])) { XCTAssertTrue("\($0)".contains("not a PNG"), "\($0)") }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0xFF                    // inside the compressed data: a CRC or zlib error
        XCTAssertThrowsError(try PNG.decode(flipped))
        XCTAssertThrowsError(try PNG.encode(PNG.Image(width: 2, height: 2, channels: 1, pixels: [0, 0, 0])))
        XCTAssertThrowsError(try PNG.encode(PNG.Image(width: 1, height: 1, channels: 2, pixels: [0, 0])))
    }

    /// Three 2×2 images in two columns, scale 2, gap 1: each image's pixels land in its tile, the
    /// ground is mid-gray, values are clamped and rounded (0.5 → 128) and NaN shows black.
    func testGridPlacesEachImage() throws {
        let images = try Tensor([0, 1, 0.5, 2,   0.25, 0.25, 0.25, 0.25,   -1, Double.nan, 1, 1], shape: [3, 4])
        let png = try ImageGrid.render(images, columns: 2, gap: 1, scale: 2)
        XCTAssertEqual(png.width, 2 * 4 + 3)
        XCTAssertEqual(png.height, 2 * 4 + 3)
        func at(_ x: Int, _ y: Int) -> UInt8 { png.pixels[y * png.width + x] }
        XCTAssertEqual(at(0, 0), 128)                                   // ground
        XCTAssertEqual([at(1, 1), at(2, 2), at(3, 1), at(4, 2)], [0, 0, 255, 255])   // image 1, top row
        XCTAssertEqual([at(1, 3), at(3, 4)], [128, 255])                // 0.5 and 2 (clamped)
        XCTAssertEqual(at(6, 1), 64)                                    // image 2: 0.25
        XCTAssertEqual([at(1, 6), at(3, 6), at(1, 8)], [0, 0, 255])     // image 3: −1 clamped, NaN black, 1
        XCTAssertEqual(at(6, 6), 128, "no fourth image: ground")
        XCTAssertThrowsError(try ImageGrid.render(try Tensor([1.0, 2, 3], shape: [1, 3]), columns: 1)) {
            XCTAssertTrue("\($0)".contains("not a square image"), "\($0)")
        }
    }
}
