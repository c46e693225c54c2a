/// Pools, workflows and the self-consuming loop.
public enum Loop {}
