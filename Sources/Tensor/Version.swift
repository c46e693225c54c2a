/// The Ouroboros release: the one version constant (run manifests, the banner, `ouro version`,
/// `ouro.version` in Lua).
public enum Ouroboros {
    public static let version = "0.1.0"
}
