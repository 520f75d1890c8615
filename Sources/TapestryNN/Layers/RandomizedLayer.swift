import Tapestry

/// A layer whose training-time output depends on a random generator it owns, such as
/// `Dropout`. `BackupAndRestore` saves and restores the generator of every such layer in a
/// model, so a resumed run draws the same masks as an uninterrupted one.
public protocol RandomizedLayer: AnyObject {
    /// The layer's generator, read and replaced as a whole.
    var generator: SeededRandomNumberGenerator { get set }
}

extension Model {
    /// Every `RandomizedLayer` reachable from the model's stored properties, each once, with
    /// a path of property names (`layers_2`, `encoder.layers_0`) that is the same in every
    /// process building the same model.
    var randomizedLayers: [(path: String, layer: any RandomizedLayer)] {
        var found: [(path: String, layer: any RandomizedLayer)] = []
        var seen = Set<ObjectIdentifier>()
        func walk(_ object: AnyObject, prefix: String, depth: Int) {
            guard depth < ParameterPaths.maximumDepth else { return }
            let layers: [(property: String, layer: any Layer<Scalar>)] = ParameterPaths.layers(in: object)
            for (property, layer) in layers where seen.insert(ObjectIdentifier(layer)).inserted {
                let path = prefix.isEmpty ? property : prefix + "." + property
                if let randomized = layer as? any RandomizedLayer { found.append((path, randomized)) }
                walk(layer, prefix: path, depth: depth + 1)
            }
        }
        walk(self, prefix: "", depth: 0)
        return found
    }
}
