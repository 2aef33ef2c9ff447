namespace RtcScamp.Wire.Framing;

/// <summary>Outcome of looking for one frame at the start of a receive buffer.</summary>
public enum FrameResult
{
    /// <summary>A whole frame was found; the buffer was advanced past it.</summary>
    Ok = 0,

    /// <summary>The buffer ends inside the prefix or the body: read more and try again. The buffer is unchanged.</summary>
    NeedMoreData = 1,

    /// <summary>
    /// The announced body length exceeds the maximum. Decided from the prefix alone (often from its first bytes),
    /// before any of the body is awaited. The stream cannot be resynchronised: close the connection.
    /// </summary>
    FrameTooLarge = 2,

    /// <summary>The prefix is not minimal LEB128 or runs past 5 bytes. Close the connection.</summary>
    MalformedLength = 3,
}
