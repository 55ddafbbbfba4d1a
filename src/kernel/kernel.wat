;; trialwise all-pairs kernel: both-correct counts of bit-packed observers, hand-written
;; WebAssembly text, compiled by scripts/build-wasm.ts (wabt) into src/kernel/kernel-wasm.ts.
;;
;; For two observers a and b with correctness bitsets (bit t = correct on trial t, padding 0),
;; both correct = sum over 64-bit words of popcnt(a AND b). All pairs of N observers is one
;; binary matrix product of the bitsets with themselves, computed here tile by tile.
;;
;; Layout read by the kernel: "pair-interleaved". Observers 2p and 2p+1 form pair-row p; word k
;; of the two lies at byte base + (p * words + k) * 16: first observer 2p's 64-bit word, then
;; observer 2p+1's (zero when 2p+1 = N); src/kernel/wasm.ts writes it from the row-major
;; packed matrix of src/kernel/packed.ts. A 2 x 2 register block (rows 2p, 2p+1 against columns
;; 2q, 2q+1) then needs only two pointers and four loads per word for four popcounts; with the
;; row-major layout it needs four pointers, and V8 spills the loop's registers (measured: about
;; 20% slower; BENCHMARKS.md).
;;
;; The memory is imported. The build makes two binaries from this file: as written (a shared
;; memory: worker threads read one copy) and with `shared` removed from the import below (hosts
;; without SharedArrayBuffer, e.g. a browser page that is not cross-origin isolated).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The 2 x 2 register block: pair-rows at byte addresses $a (observers a0, a1) and $b
  ;; (observers b0, b1), $n 64-bit words each; returns the four sums of popcnt(a_i AND b_j):
  ;; (a0 b0) (a0 b1) (a1 b0) (a1 b1). Every loaded word is used twice. Two words per step
  ;; (immediate offsets), then one odd word.
  (func $dot2x2 (param $a i32) (param $b i32) (param $n i32) (result i64 i64 i64 i64)
    (local $s00 i64) (local $s01 i64) (local $s10 i64) (local $s11 i64)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 4))))
    (if (i32.lt_u (local.get $a) (local.get $end))
      (then
        (loop $steps
          (local.set $x0 (i64.load (local.get $a)))
          (local.set $x1 (i64.load offset=8 (local.get $a)))
          (local.set $y0 (i64.load (local.get $b)))
          (local.set $y1 (i64.load offset=8 (local.get $b)))
          (local.set $s00 (i64.add (local.get $s00) (i64.popcnt (i64.and (local.get $x0) (local.get $y0)))))
          (local.set $s01 (i64.add (local.get $s01) (i64.popcnt (i64.and (local.get $x0) (local.get $y1)))))
          (local.set $s10 (i64.add (local.get $s10) (i64.popcnt (i64.and (local.get $x1) (local.get $y0)))))
          (local.set $s11 (i64.add (local.get $s11) (i64.popcnt (i64.and (local.get $x1) (local.get $y1)))))
          (local.set $x0 (i64.load offset=16 (local.get $a)))
          (local.set $x1 (i64.load offset=24 (local.get $a)))
          (local.set $y0 (i64.load offset=16 (local.get $b)))
          (local.set $y1 (i64.load offset=24 (local.get $b)))
          (local.set $s00 (i64.add (local.get $s00) (i64.popcnt (i64.and (local.get $x0) (local.get $y0)))))
          (local.set $s01 (i64.add (local.get $s01) (i64.popcnt (i64.and (local.get $x0) (local.get $y1)))))
          (local.set $s10 (i64.add (local.get $s10) (i64.popcnt (i64.and (local.get $x1) (local.get $y0)))))
          (local.set $s11 (i64.add (local.get $s11) (i64.popcnt (i64.and (local.get $x1) (local.get $y1)))))
          (local.set $a (i32.add (local.get $a) (i32.const 32)))
          (local.set $b (i32.add (local.get $b) (i32.const 32)))
          (br_if $steps (i32.lt_u (local.get $a) (local.get $end))))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $x0 (i64.load (local.get $a)))
        (local.set $x1 (i64.load offset=8 (local.get $a)))
        (local.set $y0 (i64.load (local.get $b)))
        (local.set $y1 (i64.load offset=8 (local.get $b)))
        (local.set $s00 (i64.add (local.get $s00) (i64.popcnt (i64.and (local.get $x0) (local.get $y0)))))
        (local.set $s01 (i64.add (local.get $s01) (i64.popcnt (i64.and (local.get $x0) (local.get $y1)))))
        (local.set $s10 (i64.add (local.get $s10) (i64.popcnt (i64.and (local.get $x1) (local.get $y0)))))
        (local.set $s11 (i64.add (local.get $s11) (i64.popcnt (i64.and (local.get $x1) (local.get $y1)))))))
    (local.get $s00) (local.get $s01) (local.get $s10) (local.get $s11))

  ;; out[index] += value (u32 array at byte address $out).
  (func $add (param $out i32) (param $index i32) (param $value i64)
    (local $at i32)
    (local.set $at (i32.add (local.get $out) (i32.shl (local.get $index) (i32.const 2))))
    (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.wrap_i64 (local.get $value)))))

  ;; Both-correct counts of one tile: observers r0..r1-1 (rows) against c0..c1-1 (columns) of
  ;; the pair-interleaved matrix at byte address $pairs ($words 64-bit words per observer),
  ;; written as u32 to byte address $out, row-major: out[(r - r0) * (c1 - c0) + (c - c0)].
  ;; r0 and c0 must be even (traps otherwise). With $upper = 1 (a tile on the diagonal of the
  ;; pair matrix) each block of rows starts at its own column, so only entries with c > r are
  ;; exact; the others are unspecified. Otherwise every entry is exact.
  ;;
  ;; Cache blocking: the trials are processed in chunks of $chunk words (0: all at once) so that
  ;; a tile's rows and columns of one chunk stay in L2 and the current pair-row in L1; within a
  ;; chunk, 2 x 2 register blocks. Results of the blocks are added to out, so out holds the
  ;; totals after the last chunk. At an odd edge the block's extra row or column is the next
  ;; observer (or zero padding) and its results are not stored.
  (func (export "bothCorrectTile")
    (param $pairs i32) (param $words i32) (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (param $out i32) (param $upper i32) (param $chunk i32)
    (local $ncols i32) (local $pstride i32) (local $k i32) (local $kn i32) (local $base i32)
    (local $ra i32) (local $ca i32) (local $rowp i32) (local $rowa i32) (local $rowb i32)
    (local $s00 i64) (local $s01 i64) (local $s10 i64) (local $s11 i64)
    (if (i32.and (i32.or (local.get $r0) (local.get $c0)) (i32.const 1)) (then (unreachable)))
    (local.set $ncols (i32.sub (local.get $c1) (local.get $c0)))
    (if (i32.or (i32.ge_s (local.get $r0) (local.get $r1)) (i32.le_s (local.get $ncols) (i32.const 0)))
      (then (return)))
    (memory.fill (local.get $out) (i32.const 0)
      (i32.shl (i32.mul (i32.sub (local.get $r1) (local.get $r0)) (local.get $ncols)) (i32.const 2)))
    (if (i32.le_s (local.get $chunk) (i32.const 0)) (then (local.set $chunk (local.get $words))))
    (local.set $pstride (i32.shl (local.get $words) (i32.const 4)))
    (local.set $k (i32.const 0))
    (block $chunks_done
      (loop $chunks
        (br_if $chunks_done (i32.ge_s (local.get $k) (local.get $words)))
        (local.set $kn (i32.sub (local.get $words) (local.get $k)))
        (if (i32.gt_s (local.get $kn) (local.get $chunk)) (then (local.set $kn (local.get $chunk))))
        (local.set $base (i32.add (local.get $pairs) (i32.shl (local.get $k) (i32.const 4))))
        (local.set $ra (local.get $r0))
        (loop $rows
          (local.set $rowp (i32.add (local.get $base) (i32.mul (i32.shr_u (local.get $ra) (i32.const 1)) (local.get $pstride))))
          (local.set $rowa (i32.mul (i32.sub (local.get $ra) (local.get $r0)) (local.get $ncols)))
          (local.set $rowb (i32.add (local.get $rowa) (local.get $ncols)))
          (local.set $ca (local.get $c0))
          (if (i32.and (local.get $upper) (i32.gt_s (local.get $ra) (local.get $c0)))
            (then (local.set $ca (local.get $ra))))
          (block $cols_done
            (loop $cols
              (br_if $cols_done (i32.ge_s (local.get $ca) (local.get $c1)))
              (call $dot2x2 (local.get $rowp)
                (i32.add (local.get $base) (i32.mul (i32.shr_u (local.get $ca) (i32.const 1)) (local.get $pstride)))
                (local.get $kn))
              (local.set $s11)
              (local.set $s10)
              (local.set $s01)
              (local.set $s00)
              (call $add (local.get $out) (i32.add (local.get $rowa) (i32.sub (local.get $ca) (local.get $c0))) (local.get $s00))
              (if (i32.lt_s (i32.add (local.get $ca) (i32.const 1)) (local.get $c1))
                (then
                  (call $add (local.get $out) (i32.add (local.get $rowa) (i32.sub (i32.add (local.get $ca) (i32.const 1)) (local.get $c0))) (local.get $s01))))
              (if (i32.lt_s (i32.add (local.get $ra) (i32.const 1)) (local.get $r1))
                (then
                  (call $add (local.get $out) (i32.add (local.get $rowb) (i32.sub (local.get $ca) (local.get $c0))) (local.get $s10))
                  (if (i32.lt_s (i32.add (local.get $ca) (i32.const 1)) (local.get $c1))
                    (then
                      (call $add (local.get $out) (i32.add (local.get $rowb) (i32.sub (i32.add (local.get $ca) (i32.const 1)) (local.get $c0))) (local.get $s11))))))
              (local.set $ca (i32.add (local.get $ca) (i32.const 2)))
              (br $cols)))
          (local.set $ra (i32.add (local.get $ra) (i32.const 2)))
          (br_if $rows (i32.lt_s (local.get $ra) (local.get $r1))))
        (local.set $k (i32.add (local.get $k) (local.get $kn)))
        (br $chunks))))

  ;; The popcount-throughput reference (benchmarks only): $repeats passes over $words 64-bit
  ;; words at byte address $p, summing popcnt of every word with four independent accumulators:
  ;; one load and one add per popcount, no AND, no pair bookkeeping. About the best this engine
  ;; and CPU do per popcount.
  (func (export "popcountSum") (param $p i32) (param $words i32) (param $repeats i32) (result i64)
    (local $q i32) (local $end i32) (local $s0 i64) (local $s1 i64) (local $s2 i64) (local $s3 i64)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $words) (i32.const -4)) (i32.const 3))))
    (block $done
      (loop $passes
        (br_if $done (i32.le_s (local.get $repeats) (i32.const 0)))
        (local.set $q (local.get $p))
        (if (i32.lt_u (local.get $q) (local.get $end))
          (then
            (loop $words
              (local.set $s0 (i64.add (local.get $s0) (i64.popcnt (i64.load (local.get $q)))))
              (local.set $s1 (i64.add (local.get $s1) (i64.popcnt (i64.load offset=8 (local.get $q)))))
              (local.set $s2 (i64.add (local.get $s2) (i64.popcnt (i64.load offset=16 (local.get $q)))))
              (local.set $s3 (i64.add (local.get $s3) (i64.popcnt (i64.load offset=24 (local.get $q)))))
              (local.set $q (i32.add (local.get $q) (i32.const 32)))
              (br_if $words (i32.lt_u (local.get $q) (local.get $end))))))
        (local.set $repeats (i32.sub (local.get $repeats) (i32.const 1)))
        (br $passes)))
    (i64.add (i64.add (local.get $s0) (local.get $s1)) (i64.add (local.get $s2) (local.get $s3))))
)
