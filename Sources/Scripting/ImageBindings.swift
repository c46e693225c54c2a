import CLua
import Report
import Tensor

/// `ouro.image.*`: PNG grids of images (samples a person can look at) and reading PNG files.
enum ImageBindings {
    static let functions: [Binding] = [
        Binding.fileAccess("grid", "ouro.image.grid(images, path, {columns=8, scale=2, gap=2}) — writes a PNG of n gray images (n × side² values in [0, 1], or n × side × side) in a grid, columns per row, each pixel scale × scale; values are clamped to [0, 1]. Returns the image's width and height.") { a in
            let images = try a.tensor(1), path = try a.path(2)
            var columns = 8, scale = 2, gap = 2
            if a.isTable(3) {
                try a.checkOptions(3, ["columns", "scale", "gap"])
                columns = try a.optIntField(3, "columns") ?? columns
                scale = try a.optIntField(3, "scale") ?? scale
                gap = try a.optIntField(3, "gap") ?? gap
            } else if !a.lua.isNoneOrNil(3) { throw a.expected(3, "options table {columns=, scale=, gap=}") }
            let png = try ImageGrid.render(images, columns: columns, gap: gap, scale: scale)
            try PNG.write(png, to: path)
            a.lua.push(png.width); a.lua.push(png.height)
            return 2
        },
        Binding.fileAccess("read", "ouro.image.read(path) — a PNG file as a float32 tensor in [0, 1]: height × width for gray images, height × width × channels otherwise.") { a in
            let png = try PNG.read(try a.path(1))
            let values = png.pixels.map { Float($0) / 255 }
            let shape = png.channels == 1 ? [png.height, png.width] : [png.height, png.width, png.channels]
            return a.push(try Tensor(values, shape: shape))
        },
    ]
}
