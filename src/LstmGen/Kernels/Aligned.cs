using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace LstmGen;

public static partial class Kernels
{
    /// <summary>Bytes of alignment the kernels want for weight rows and workspaces: one cache line, one 512-bit vector.</summary>
    public const int Alignment = 64;

    // Arrays up to this size are retried until aligned; the rejected ones are garbage once the method returns.
    private const int MaxAlignedRetryBytes = 16 << 20;
    private const int LargeObjectBytes = 85_000;
    // Small arrays land aligned within a few attempts; large ones are placed less predictably (measured: a 1 M-float
    // array is still unaligned after 8 attempts 3 times in 4), so they get fewer attempts and less garbage. The matrix
    // product aligns its own loads of large operands (column skew or packing), so this only costs speed.
    private const int SmallAttempts = 24, LargeAttempts = 2;

    /// <summary>
    /// A zeroed <see cref="float"/> array whose first element sits on a 64-byte boundary, so that vector loads of
    /// 64-byte-aligned rows never straddle two cache lines (measured: a streaming LSTM(32) step runs 1.8x faster from
    /// aligned weights). The array is pinned (pinned-object heap), so it never moves and stays aligned. The runtime
    /// gives no alignment guarantee beyond 8 bytes, so this steers the allocator with small pinned fillers and
    /// retries a few times; if that fails, or the array is larger than 16 MB, it returns an unaligned array, which
    /// only costs speed.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static float[] AllocateAligned(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        float[] array = GC.AllocateArray<float>(length, pinned: true);
        if (IsAligned(array) || (long)length * sizeof(float) > MaxAlignedRetryBytes)
        {
            return array;
        }
        var rejected = new List<object>(16) { array };
        int attempts = (long)length * sizeof(float) + 24 >= LargeObjectBytes ? LargeAttempts : SmallAttempts;
        for (int attempt = 0; attempt < attempts; attempt++)
        {
            // The next pinned allocation usually follows this one: a byte[] filler sized to the misalignment moves it
            // onto a 64-byte boundary. An array object is 24 bytes of header plus its payload rounded up to 8 bytes.
            int misalignment = (int)(Address(array) & (Alignment - 1));
            long objectBytes = 24 + ((long)length * sizeof(float) + 7) / 8 * 8;
            int shift = (int)((Alignment - (misalignment + objectBytes) % Alignment) % Alignment);
            int fillerBytes = shift < 24 ? shift + Alignment : shift;
            if (objectBytes >= LargeObjectBytes)
            {
                // Large objects are placed one after another by their own allocator: the filler must be large too.
                fillerBytes += (LargeObjectBytes / Alignment + 1) * Alignment;
            }
            rejected.Add(GC.AllocateArray<byte>(fillerBytes - 24, pinned: true));
            array = GC.AllocateArray<float>(length, pinned: true);
            if (IsAligned(array))
            {
                return array;
            }
            rejected.Add(array);
        }
        GC.KeepAlive(rejected);
        return array;
    }

    /// <summary>True when the first element of <paramref name="array"/> sits on a 64-byte boundary.</summary>
    internal static unsafe bool IsAligned(float[] array)
    {
        if (array.Length == 0)
        {
            return true;
        }
        return (Address(array) & (Alignment - 1)) == 0;
    }

    private static unsafe nuint Address(float[] array) => array.Length == 0 ? 0 : (nuint)Unsafe.AsPointer(ref array[0]);
}
