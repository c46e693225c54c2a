// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Ouroboros",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ouro", targets: ["ouro"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Scripting", targets: ["Scripting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Lua 5.4 from the system (Debian: liblua5.4-dev), plus static-inline wrappers for its macros.
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        // OpenBLAS cblas + LAPACKE (Debian: libopenblas-dev, liblapacke-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        // zlib (Debian: zlib1g-dev): gzip-compressed data files (IDX images).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // BLAS/LAPACK parameter errors recorded for Swift instead of printed on stdout.
        .target(name: "CBLASGuard"),
        // Every lua_error / longjmp lives here, in C, never in a Swift frame.
        .target(name: "CLuaBridge", dependencies: ["CLua"]),
        // A small line editor over libedit (Debian: libedit-dev): history, Ctrl-R, completion.
        .target(name: "CLineEdit", linkerSettings: [.linkedLibrary("edit")]),
        // Hot loops of the neural core (optimiser updates, finiteness checks), one version per
        // instruction set chosen at load time; no fused multiply-adds, so every version agrees.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])]),
        // libpng behind C functions that keep its setjmp/longjmp error handling on the C side
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16")]),
        // oneDNN's direct float32 convolutions (Debian: libdnnl-dev), one thread per call.
        .target(name: "CDNNL", linkerSettings: [.linkedLibrary("dnnl")]),
        // A process that ends with its parent (prctl), for a sweep's tasks.
        .target(name: "CProcess"),
        // Plain C loops used only as the speed reference in `ouro bench`.
        .target(name: "CBenchKernels"),
        .target(name: "Tensor", dependencies: ["CBLAS", "CBLASGuard", "CKernels"],
                swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"])]),
        .target(name: "Autograd", dependencies: ["Tensor", "CKernels"],
                swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"])]),
        .target(name: "NN", dependencies: ["Autograd", "Tensor", "CKernels", "CDNNL"],
                swiftSettings: [.unsafeFlags(["-Ounchecked", "-wmo"])]),
        .target(name: "Models", dependencies: ["Tensor", "Autograd", "NN", "Data", "CKernels"]),
        .target(name: "Data", dependencies: ["Tensor", "CZlib"]),
        .target(name: "Loop", dependencies: ["Models", "Data", "Tensor", "Report"]),
        .target(name: "Report", dependencies: ["Tensor", "CPNG"]),
        // Sweeps: grids of tasks run as processes on local workers or as a Slurm job array, merged.
        .target(name: "Sweep", dependencies: ["Tensor", "Report", "CProcess"]),
        .target(name: "Scripting", dependencies: ["Tensor", "Autograd", "NN", "Models", "Data", "Loop", "Report", "CLua", "CLuaBridge", "CLineEdit"]),
        .executableTarget(name: "ouro", dependencies: [
            "Scripting", "Sweep", "Report", "Loop", "Tensor", "CBLAS", "CBenchKernels", "CProcess",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "NN", "Tensor"]),
        .testTarget(name: "ScriptingTests", dependencies: ["Scripting", "Report", "Tensor", "CProcess"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Report", "Tensor"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Tensor"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "Tensor"]),
        .testTarget(name: "LoopTests", dependencies: ["Loop", "Models", "Data", "Tensor"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Data", "NN", "Tensor"]),
    ],
    swiftLanguageModes: [.v5]
)
