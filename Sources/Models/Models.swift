/// Generative models behind one protocol.
public enum Models {}
