using RtcScamp.Wire;

namespace RtcScamp.Engine.Simulation;

/// <summary>Whole-overlay measurements over the live nodes of a <see cref="SimNetwork"/> (for tests and the simulator).</summary>
public static class OverlayAnalysis
{
    /// <summary>Total number of PartialView entries over live nodes (the arc count).</summary>
    public static long CountArcs(SimNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        long arcs = 0;
        for (int i = 0; i < network.Count; i++)
        {
            if (network.IsAlive(i))
            {
                arcs += network[i].PartialViewCount;
            }
        }

        return arcs;
    }

    /// <summary>Number of live nodes.</summary>
    public static int CountAlive(SimNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int n = 0;
        for (int i = 0; i < network.Count; i++)
        {
            n += network.IsAlive(i) ? 1 : 0;
        }

        return n;
    }

    /// <summary>
    /// The first violation of view hygiene or symmetry among live nodes, or null: no node has itself or a duplicate
    /// in its PartialView or InView, every node's peer table keeps its flag bits equal to its entries, and
    /// j ∈ PartialView(i) ⇔ i ∈ InView(j) for every live pair (with <paramref name="checkSymmetry"/>; arcs to dead nodes
    /// count as violations too).
    /// </summary>
    public static string? FindViewViolation(SimNetwork network, bool checkSymmetry)
    {
        ArgumentNullException.ThrowIfNull(network);
        var buffer = new NodeId[1024];
        var seen = new HashSet<NodeId>();
        for (int i = 0; i < network.Count; i++)
        {
            if (!network.IsAlive(i))
            {
                continue;
            }

            ScampNode node = network[i];
            if (!node.PeerBitsAgree)
            {
                return $"node {i}: its peer table's flag bits disagree with its entries";
            }

            foreach (bool partial in new[] { true, false })
            {
                int n = partial ? node.CopyPartialView(buffer) : node.CopyInView(buffer);
                if (n != (partial ? node.PartialViewCount : node.InViewCount))
                {
                    return $"node {i}: view count mismatch";
                }

                seen.Clear();
                for (int k = 0; k < n; k++)
                {
                    NodeId peer = buffer[k];
                    if (peer == node.Id)
                    {
                        return $"node {i} has itself in its {(partial ? "PartialView" : "InView")}";
                    }

                    if (!seen.Add(peer))
                    {
                        return $"node {i} has {peer.ToShortString()} twice";
                    }

                    if (!checkSymmetry)
                    {
                        continue;
                    }

                    int j = network.IndexOf(peer);
                    if (j < 0 || !network.IsAlive(j))
                    {
                        return $"node {i} has dead node {j} in its {(partial ? "PartialView" : "InView")}";
                    }

                    bool mirrored = partial ? network[j].IsInInView(node.Id) : network[j].IsInPartialView(node.Id);
                    if (!mirrored)
                    {
                        return partial ? $"{j} ∈ PartialView({i}) but {i} ∉ InView({j})" : $"{j} ∈ InView({i}) but {i} ∉ PartialView({j})";
                    }
                }
            }
        }

        return null;
    }

    /// <summary>Live nodes reachable from <paramref name="origin"/> along PartialView arcs (origin included).</summary>
    public static bool[] Reachable(SimNetwork network, int origin)
    {
        ArgumentNullException.ThrowIfNull(network);
        var reached = new bool[network.Count];
        var queue = new Queue<int>();
        var buffer = new NodeId[1024];
        reached[origin] = true;
        queue.Enqueue(origin);
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            int n = network[i].CopyPartialView(buffer);
            for (int k = 0; k < n; k++)
            {
                int j = network.IndexOf(buffer[k]);
                if (j >= 0 && network.IsAlive(j) && !reached[j])
                {
                    reached[j] = true;
                    queue.Enqueue(j);
                }
            }
        }

        return reached;
    }

    /// <summary>True if every live node reaches every other along PartialView arcs (checked both ways from one node).</summary>
    public static bool IsStronglyConnected(SimNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        int root = -1;
        for (int i = 0; i < network.Count && root < 0; i++)
        {
            if (network.IsAlive(i))
            {
                root = i;
            }
        }

        if (root < 0)
        {
            return true;
        }

        bool[] forward = Reachable(network, root);
        bool[] backward = ReachableBackward(network, root);
        for (int i = 0; i < network.Count; i++)
        {
            if (network.IsAlive(i) && (!forward[i] || !backward[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool[] ReachableBackward(SimNetwork network, int root)
    {
        // The live nodes that reach root along PartialView arcs (taken from PartialViews, so the answer does not
        // depend on InViews being right), found by sweeps: a node joins once one of its PartialView members has, and
        // sweeps repeat until one adds nothing (about as many as the longest path to root: the overlay's diameter,
        // ~5 at 10^6). No reverse adjacency is built: at 10^6 nodes that was a 100 MB array beside the overlay.
        int count = network.Count;
        var reached = new bool[count];
        var buffer = new NodeId[1024];
        reached[root] = true;
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int i = 0; i < count; i++)
            {
                if (reached[i] || !network.IsAlive(i))
                {
                    continue;
                }

                int n = network[i].CopyPartialView(buffer);
                for (int k = 0; k < n; k++)
                {
                    int j = network.IndexOf(buffer[k]);
                    if (j >= 0 && reached[j])
                    {
                        reached[i] = true;
                        changed = true;
                        break;
                    }
                }
            }
        }

        return reached;
    }
}
