/// Series colours: the Okabe–Ito colour-blind-safe palette, reordered so the first few contrast best on white.
enum Palette {
    static let colors = [
        "#0072B2",  // blue
        "#D55E00",  // vermillion
        "#009E73",  // bluish green
        "#CC79A7",  // reddish purple
        "#E69F00",  // orange
        "#56B4E9",  // sky blue
        "#000000",  // black
        "#B8A200",  // yellow, darkened to stay visible on white
    ]

    /// Colour of the series at `index`, cycling through the palette.
    static func color(at index: Int) -> String {
        let n = colors.count
        return colors[((index % n) + n) % n]
    }
}
