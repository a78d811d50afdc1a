"""The finance kernel: pure functions over numpy arrays (NPV, IRR, payback, break-even)."""
