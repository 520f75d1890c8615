import Tapestry

// The built-in layers without parameters say so, rather than have `Layer`'s default search
// their stored properties by reflection: `applyLabelled(to:)` asks a layer for its
// parameters on every forward pass whose input is untracked (the first layer of a training
// step), and a Mirror walk there cost ~20 µs a step.

extension Flatten {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension ReLU {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Softmax {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Reshape {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Dropout {
    /// None (its masks come from a generator, not from weights).
    public var parameters: [Parameter<Scalar>] { [] }
}

extension MaxPooling2D {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension AveragePooling2D {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension GlobalAveragePooling2D {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Add {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Multiply {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Average {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}

extension Concatenate {
    /// None.
    public var parameters: [Parameter<Scalar>] { [] }
}
