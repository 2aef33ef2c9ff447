using RtcScamp.Transport.WebRtc;

namespace RtcScamp.Bench.PeerConnections;

/// <summary>Offer/answer between two connections through compact strings, and waiting for the outcome.</summary>
internal static class LoopbackPeers
{
    /// <summary>Runs the manual flow (offer → answer) and returns a task completing when both are Connected.</summary>
    public static Task Exchange(PeerConnection offerer, PeerConnection answerer)
    {
        Task up = Task.WhenAll(Connected(offerer), Connected(answerer));
        if (!answerer.TryAcceptOffer(offerer.CreateOffer(), out string? answer, out string error) || !offerer.TryAcceptAnswer(answer, out error))
        {
            throw new InvalidOperationException(error);
        }

        return up;
    }

    /// <summary>Completes when the connection is Connected; faults if it fails or closes first.</summary>
    public static Task Connected(PeerConnection connection)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Connected += _ => tcs.TrySetResult();
        connection.Failed += (_, f) => tcs.TrySetException(new InvalidOperationException($"failed: {f}"));
        connection.Closed += _ => tcs.TrySetException(new InvalidOperationException("closed"));
        return tcs.Task;
    }
}
