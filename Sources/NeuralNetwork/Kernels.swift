// Data-movement and element-wise kernels. Matrix products go to BLAS (`NNScalar.gemm`); these loops
// only rearrange or map elements. `@_specialize` makes the generic entry points dispatch to
// Float/Double code compiled for the concrete type.

/// Geometry of a 2-D sliding window over an `[N, C, H, W]` batch.
struct WindowGeometry: Equatable {
    var channels, height, width: Int
    var kernelH, kernelW, strideH, strideW, padH, padW: Int
    var outH: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    var outW: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    var patch: Int { channels * kernelH * kernelW }
    var positions: Int { outH * outW }

    func validate(context: String) throws {
        guard channels > 0, height > 0, width > 0, kernelH > 0, kernelW > 0, strideH > 0, strideW > 0,
              padH >= 0, padW >= 0, padH < kernelH, padW < kernelW,
              height + 2 * padH >= kernelH, width + 2 * padW >= kernelW
        else {
            throw NeuralNetworkError.invalidArchitecture(
                "\(context): window \(kernelH)x\(kernelW) stride \(strideH)x\(strideW) padding \(padH)x\(padW) "
                    + "does not fit input \(channels)x\(height)x\(width)")
        }
    }
}

enum Kernels {
    /// im2col: `col[k, n*L + p]` = input pixel under kernel offset k at output position p of sample n
    /// (zero outside the image). `col` has `patch` rows and `batch * positions` columns.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func im2col<T: NNScalar>(
        _ input: UnsafePointer<T>, batch: Int, _ g: WindowGeometry, _ col: UnsafeMutablePointer<T>
    ) {
        let L = g.positions, cols = batch * L, oh = g.outH, ow = g.outW
        let hw = g.height * g.width
        for c in 0..<g.channels {
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    let row = (c * g.kernelH + ki) * g.kernelW + kj
                    let rowBase = col + row * cols
                    for n in 0..<batch {
                        let img = input + (n * g.channels + c) * hw
                        let out = rowBase + n * L
                        for oy in 0..<oh {
                            let y = oy * g.strideH - g.padH + ki
                            let o = out + oy * ow
                            if y < 0 || y >= g.height {
                                for ox in 0..<ow { o[ox] = 0 }
                                continue
                            }
                            let line = img + y * g.width
                            for ox in 0..<ow {
                                let x = ox * g.strideW - g.padW + kj
                                o[ox] = (x >= 0 && x < g.width) ? line[x] : 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// col2im: the adjoint of `im2col`; accumulates `col` into `output` (which must be zeroed).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func col2im<T: NNScalar>(
        _ col: UnsafePointer<T>, batch: Int, _ g: WindowGeometry, _ output: UnsafeMutablePointer<T>
    ) {
        let L = g.positions, cols = batch * L, oh = g.outH, ow = g.outW
        let hw = g.height * g.width
        for c in 0..<g.channels {
            for ki in 0..<g.kernelH {
                for kj in 0..<g.kernelW {
                    let row = (c * g.kernelH + ki) * g.kernelW + kj
                    let rowBase = col + row * cols
                    for n in 0..<batch {
                        let img = output + (n * g.channels + c) * hw
                        let src = rowBase + n * L
                        for oy in 0..<oh {
                            let y = oy * g.strideH - g.padH + ki
                            if y < 0 || y >= g.height { continue }
                            let line = img + y * g.width
                            let s = src + oy * ow
                            for ox in 0..<ow {
                                let x = ox * g.strideW - g.padW + kj
                                if x >= 0 && x < g.width { line[x] += s[ox] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `[O, N*L]` (plus per-row bias) -> `[N, O, L]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func channelsFirstToBatchFirst<T: NNScalar>(
        _ src: UnsafePointer<T>, bias: UnsafePointer<T>?, outChannels: Int, batch: Int, positions: Int,
        _ dst: UnsafeMutablePointer<T>
    ) {
        for o in 0..<outChannels {
            let b = bias?[o] ?? 0
            for n in 0..<batch {
                let s = src + (o * batch + n) * positions
                let d = dst + (n * outChannels + o) * positions
                for p in 0..<positions { d[p] = s[p] + b }
            }
        }
    }

    /// `[N, O, L]` -> `[O, N*L]`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func batchFirstToChannelsFirst<T: NNScalar>(
        _ src: UnsafePointer<T>, outChannels: Int, batch: Int, positions: Int, _ dst: UnsafeMutablePointer<T>
    ) {
        for n in 0..<batch {
            for o in 0..<outChannels {
                let s = src + (n * outChannels + o) * positions
                let d = dst + (o * batch + n) * positions
                for p in 0..<positions { d[p] = s[p] }
            }
        }
    }

    /// Average/sum pooling forward over an `[N, C, H, W]` batch (zero padding, window counted whole).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func sumPoolForward<T: NNScalar>(
        _ x: UnsafePointer<T>, batch: Int, _ g: WindowGeometry, scale: T, _ y: UnsafeMutablePointer<T>
    ) {
        let oh = g.outH, ow = g.outW, hw = g.height * g.width
        for plane in 0..<(batch * g.channels) {
            let src = x + plane * hw, dst = y + plane * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s: T = 0
                    for ki in 0..<g.kernelH {
                        let yy = oy * g.strideH - g.padH + ki
                        if yy < 0 || yy >= g.height { continue }
                        for kj in 0..<g.kernelW {
                            let xx = ox * g.strideW - g.padW + kj
                            if xx >= 0 && xx < g.width { s += src[yy * g.width + xx] }
                        }
                    }
                    dst[oy * ow + ox] = s * scale
                }
            }
        }
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func sumPoolBackward<T: NNScalar>(
        _ gy: UnsafePointer<T>, batch: Int, _ g: WindowGeometry, scale: T, _ gx: UnsafeMutablePointer<T>
    ) {
        let oh = g.outH, ow = g.outW, hw = g.height * g.width
        for plane in 0..<(batch * g.channels) {
            let src = gy + plane * oh * ow, dst = gx + plane * hw
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let v = src[oy * ow + ox] * scale
                    for ki in 0..<g.kernelH {
                        let yy = oy * g.strideH - g.padH + ki
                        if yy < 0 || yy >= g.height { continue }
                        for kj in 0..<g.kernelW {
                            let xx = ox * g.strideW - g.padW + kj
                            if xx >= 0 && xx < g.width { dst[yy * g.width + xx] += v }
                        }
                    }
                }
            }
        }
    }

    /// Max pooling forward; records the flat input index of each maximum (padding never wins).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func maxPoolForward<T: NNScalar>(
        _ x: UnsafePointer<T>, batch: Int, _ g: WindowGeometry, _ y: UnsafeMutablePointer<T>,
        _ argmax: UnsafeMutablePointer<Int>
    ) {
        let oh = g.outH, ow = g.outW, hw = g.height * g.width
        for plane in 0..<(batch * g.channels) {
            let base = plane * hw
            let dst = y + plane * oh * ow, am = argmax + plane * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -T.infinity
                    var bestIndex = -1
                    for ki in 0..<g.kernelH {
                        let yy = oy * g.strideH - g.padH + ki
                        if yy < 0 || yy >= g.height { continue }
                        for kj in 0..<g.kernelW {
                            let xx = ox * g.strideW - g.padW + kj
                            if xx >= 0 && xx < g.width {
                                let v = x[base + yy * g.width + xx]
                                if v > best || bestIndex < 0 { best = v; bestIndex = base + yy * g.width + xx }
                            }
                        }
                    }
                    dst[oy * ow + ox] = best
                    am[oy * ow + ox] = bestIndex
                }
            }
        }
    }
}
