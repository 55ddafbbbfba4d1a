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
;; 20% slower; BENCHMARKS.md). The same layout makes word k of a pair-row one v128 (observer 2p
;; in the low lane, 2p+1 in the high one), which the SIMD half of the 2 x 4 block below reads.
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

  ;; The 2 x 4 register block, half scalar and half SIMD: pair-row $a (observers a0, a1) against
  ;; pair-rows $b (b0, b1) and $c (c0, c1), $n 64-bit words each; returns the eight sums
  ;; (a0 b0) (a0 b1) (a1 b0) (a1 b1) (a0 c0) (a0 c1) (a1 c0) (a1 c1). The $b half is $dot2x2's
  ;; scalar step (i64.popcnt on the integer units); the $c half runs on the vector units at the
  ;; same time: v128 a AND v128 c gives (a0 c0 | a1 c1), a AND c with its lanes swapped gives
  ;; (a0 c1 | a1 c0), i8x16.popcnt counts their bytes, which add up in i8x16 accumulators for up
  ;; to 31 words (at most 8 x 31 = 248 per byte) and are then widened into i32x4 totals (lanes 0
  ;; and 1: the low 64-bit lane, 2 and 3: the high one). Measured faster than the scalar 2 x 2
  ;; block, a scalar 2 x 4 block, SIMD alone and unrolled variants of each (BENCHMARKS.md).
  (func $dot2x4 (param $a i32) (param $b i32) (param $c i32) (param $n i32) (result i64 i64 i64 i64 i64 i64 i64 i64)
    (local $s00 i64) (local $s01 i64) (local $s10 i64) (local $s11 i64)
    (local $x0 i64) (local $x1 i64) (local $y0 i64) (local $y1 i64)
    (local $end i32) (local $stop i32)
    (local $va v128) (local $vc v128) (local $same v128) (local $cross v128) (local $tsame v128) (local $tcross v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 4))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        ;; 31 words of 16 bytes
        (local.set $stop (i32.add (local.get $a) (i32.const 496)))
        (if (i32.gt_u (local.get $stop) (local.get $end)) (then (local.set $stop (local.get $end))))
        (local.set $same (v128.const i64x2 0 0))
        (local.set $cross (v128.const i64x2 0 0))
        (loop $steps
          (local.set $x0 (i64.load (local.get $a)))
          (local.set $x1 (i64.load offset=8 (local.get $a)))
          (local.set $y0 (i64.load (local.get $b)))
          (local.set $y1 (i64.load offset=8 (local.get $b)))
          (local.set $s00 (i64.add (local.get $s00) (i64.popcnt (i64.and (local.get $x0) (local.get $y0)))))
          (local.set $s01 (i64.add (local.get $s01) (i64.popcnt (i64.and (local.get $x0) (local.get $y1)))))
          (local.set $s10 (i64.add (local.get $s10) (i64.popcnt (i64.and (local.get $x1) (local.get $y0)))))
          (local.set $s11 (i64.add (local.get $s11) (i64.popcnt (i64.and (local.get $x1) (local.get $y1)))))
          (local.set $va (v128.load (local.get $a)))
          (local.set $vc (v128.load (local.get $c)))
          (local.set $same (i8x16.add (local.get $same) (i8x16.popcnt (v128.and (local.get $va) (local.get $vc)))))
          (local.set $cross (i8x16.add (local.get $cross)
            (i8x16.popcnt (v128.and (local.get $va) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vc) (local.get $vc))))))
          (local.set $a (i32.add (local.get $a) (i32.const 16)))
          (local.set $b (i32.add (local.get $b) (i32.const 16)))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $steps (i32.lt_u (local.get $a) (local.get $stop))))
        (local.set $tsame (i32x4.add (local.get $tsame) (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $same)))))
        (local.set $tcross (i32x4.add (local.get $tcross) (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $cross)))))
        (br $blocks)))
    (local.get $s00) (local.get $s01) (local.get $s10) (local.get $s11)
    (i64.extend_i32_u (i32.add (i32x4.extract_lane 0 (local.get $tsame)) (i32x4.extract_lane 1 (local.get $tsame))))
    (i64.extend_i32_u (i32.add (i32x4.extract_lane 0 (local.get $tcross)) (i32x4.extract_lane 1 (local.get $tcross))))
    (i64.extend_i32_u (i32.add (i32x4.extract_lane 2 (local.get $tcross)) (i32x4.extract_lane 3 (local.get $tcross))))
    (i64.extend_i32_u (i32.add (i32x4.extract_lane 2 (local.get $tsame)) (i32x4.extract_lane 3 (local.get $tsame)))))

  ;; Adds a 2 x 2 block's sums to the u32 counts at byte address $out: s00 at index $at, s01 at
  ;; $at + 1 when $col2, s10 and s11 at $at + $ncols and $at + $ncols + 1 when $row2 (and $col2):
  ;; at an odd edge the block's extra row or column lies outside the tile and is not stored.
  (func $store (param $out i32) (param $at i32) (param $ncols i32) (param $row2 i32) (param $col2 i32)
    (param $s00 i64) (param $s01 i64) (param $s10 i64) (param $s11 i64)
    (local $p i32)
    (local.set $p (i32.add (local.get $out) (i32.shl (local.get $at) (i32.const 2))))
    (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.wrap_i64 (local.get $s00))))
    (if (local.get $col2)
      (then (i32.store offset=4 (local.get $p) (i32.add (i32.load offset=4 (local.get $p)) (i32.wrap_i64 (local.get $s01))))))
    (if (local.get $row2)
      (then
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $ncols) (i32.const 2))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.wrap_i64 (local.get $s10))))
        (if (local.get $col2)
          (then (i32.store offset=4 (local.get $p) (i32.add (i32.load offset=4 (local.get $p)) (i32.wrap_i64 (local.get $s11)))))))))

  ;; Both-correct counts of one tile: observers r0..r1-1 (rows) against c0..c1-1 (columns) of
  ;; the pair-interleaved matrix at byte address $pairs ($words 64-bit words per observer),
  ;; written as u32 to byte address $out, row-major: out[(r - r0) * (c1 - c0) + (c - c0)].
  ;; r0 and c0 must be even (traps otherwise). With $upper = 1 (a tile on the diagonal of the
  ;; pair matrix) each block of rows starts at its own column, so only entries with c > r are
  ;; exact; the others are unspecified. Otherwise every entry is exact.
  ;;
  ;; Cache blocking: the trials are processed in chunks of $chunk words (0: all at once) so that
  ;; a tile's rows and columns of one chunk stay in L2 and the current pair-row in L1; within a
  ;; chunk, 2 x 4 register blocks (a last pair of columns: 2 x 2). Results of the blocks are
  ;; added to out, so out holds the totals after the last chunk. At an odd edge the block's
  ;; extra row or column is the next observer (or zero padding) and its results are not stored.
  (func (export "bothCorrectTile")
    (param $pairs i32) (param $words i32) (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (param $out i32) (param $upper i32) (param $chunk i32)
    (local $ncols i32) (local $pstride i32) (local $k i32) (local $kn i32) (local $base i32)
    (local $ra i32) (local $ca i32) (local $rowp i32) (local $colp i32) (local $at i32) (local $row2 i32)
    (local $s00 i64) (local $s01 i64) (local $s10 i64) (local $s11 i64)
    (local $t00 i64) (local $t01 i64) (local $t10 i64) (local $t11 i64)
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
          (local.set $row2 (i32.lt_s (i32.add (local.get $ra) (i32.const 1)) (local.get $r1)))
          (local.set $ca (local.get $c0))
          (if (i32.and (local.get $upper) (i32.gt_s (local.get $ra) (local.get $c0)))
            (then (local.set $ca (local.get $ra))))
          ;; 2 x 4 blocks while at least three columns remain
          (block $quads_done
            (loop $quads
              (br_if $quads_done (i32.ge_s (i32.add (local.get $ca) (i32.const 2)) (local.get $c1)))
              (local.set $colp (i32.add (local.get $base) (i32.mul (i32.shr_u (local.get $ca) (i32.const 1)) (local.get $pstride))))
              (call $dot2x4 (local.get $rowp) (local.get $colp) (i32.add (local.get $colp) (local.get $pstride)) (local.get $kn))
              (local.set $t11) (local.set $t10) (local.set $t01) (local.set $t00)
              (local.set $s11) (local.set $s10) (local.set $s01) (local.set $s00)
              (local.set $at (i32.add (i32.mul (i32.sub (local.get $ra) (local.get $r0)) (local.get $ncols)) (i32.sub (local.get $ca) (local.get $c0))))
              (call $store (local.get $out) (local.get $at) (local.get $ncols) (local.get $row2) (i32.const 1)
                (local.get $s00) (local.get $s01) (local.get $s10) (local.get $s11))
              (call $store (local.get $out) (i32.add (local.get $at) (i32.const 2)) (local.get $ncols) (local.get $row2)
                (i32.lt_s (i32.add (local.get $ca) (i32.const 3)) (local.get $c1))
                (local.get $t00) (local.get $t01) (local.get $t10) (local.get $t11))
              (local.set $ca (i32.add (local.get $ca) (i32.const 4)))
              (br $quads)))
          ;; a last one or two columns
          (if (i32.lt_s (local.get $ca) (local.get $c1))
            (then
              (call $dot2x2 (local.get $rowp)
                (i32.add (local.get $base) (i32.mul (i32.shr_u (local.get $ca) (i32.const 1)) (local.get $pstride)))
                (local.get $kn))
              (local.set $s11) (local.set $s10) (local.set $s01) (local.set $s00)
              (call $store (local.get $out)
                (i32.add (i32.mul (i32.sub (local.get $ra) (local.get $r0)) (local.get $ncols)) (i32.sub (local.get $ca) (local.get $c0)))
                (local.get $ncols) (local.get $row2) (i32.lt_s (i32.add (local.get $ca) (i32.const 1)) (local.get $c1))
                (local.get $s00) (local.get $s01) (local.get $s10) (local.get $s11))))
          (local.set $ra (i32.add (local.get $ra) (i32.const 2)))
          (br_if $rows (i32.lt_s (local.get $ra) (local.get $r1))))
        (local.set $k (i32.add (local.get $k) (local.get $kn)))
        (br $chunks))))

  ;; Every observer's correct count (popcount of its row) from the pair-interleaved matrix at
  ;; byte address $pairs ($words 64-bit words per observer), observers 0..$n-1, as u32 to byte
  ;; address $out: observer i's words lie at 16-byte steps from $pairs + (i >> 1) * $words * 16
  ;; + (i & 1) * 8.
  (func (export "correctCounts") (param $pairs i32) (param $words i32) (param $n i32) (param $out i32)
    (local $i i32) (local $p i32) (local $end i32) (local $s0 i64) (local $s1 i64)
    (block $done
      (loop $observers
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $p (i32.add (i32.add (local.get $pairs)
          (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (i32.shl (local.get $words) (i32.const 4))))
          (i32.shl (i32.and (local.get $i) (i32.const 1)) (i32.const 3))))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $words) (i32.const 4))))
        (local.set $s0 (i64.const 0))
        (local.set $s1 (i64.const 0))
        ;; two words per step, two accumulators, then an odd word
        (block $pairs_done
          (loop $steps
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
            (local.set $s0 (i64.add (local.get $s0) (i64.popcnt (i64.load (local.get $p)))))
            (local.set $s1 (i64.add (local.get $s1) (i64.popcnt (i64.load offset=16 (local.get $p)))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $steps)))
        (if (i32.lt_u (local.get $p) (local.get $end))
          (then (local.set $s0 (i64.add (local.get $s0) (i64.popcnt (i64.load (local.get $p)))))))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (i32.wrap_i64 (i64.add (local.get $s0) (local.get $s1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $observers))))

  ;; Every pair's Cohen's kappa of one tile from its both-correct counts, as kappaFromCounts
  ;; (src/core/metrics.ts) computes it, operation for operation, so to the last bit: with
  ;; accuracies p = k / n (f64, at byte address $accuracy; k the correct counts, u32 at
  ;; $correct; n = $trials), c_exp = p_i p_j + (1 - p_i)(1 - p_j), c_obs = (both correct + both
  ;; wrong) / n, where both correct + both wrong = n - k_i - k_j + 2 both correct is an integer
  ;; (exact in either order), and kappa = (c_obs - c_exp) / (1 - c_exp), NaN where c_exp = 1.
  ;; Counts at byte address $counts, kappas (f64) to $out, both row-major as bothCorrectTile's
  ;; output: entry (i - r0) * (c1 - c0) + (j - c0) for the pairs j > i of the tile only.
  (func (export "pairKappas") (param $counts i32) (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (param $correct i32) (param $accuracy i32) (param $trials i32) (param $out i32)
    (local $ncols i32) (local $i i32) (local $j i32) (local $at i32) (local $ki i32)
    (local $n f64) (local $pi f64) (local $qi f64) (local $pj f64) (local $exp f64) (local $obs f64)
    (local.set $ncols (i32.sub (local.get $c1) (local.get $c0)))
    (local.set $n (f64.convert_i32_u (local.get $trials)))
    (local.set $i (local.get $r0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_s (local.get $i) (local.get $r1)))
        (local.set $ki (i32.load (i32.add (local.get $correct) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $pi (f64.load (i32.add (local.get $accuracy) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $qi (f64.sub (f64.const 1) (local.get $pi)))
        (local.set $j (local.get $c0))
        (if (i32.gt_s (i32.add (local.get $i) (i32.const 1)) (local.get $j)) (then (local.set $j (i32.add (local.get $i) (i32.const 1)))))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_s (local.get $j) (local.get $c1)))
            (local.set $at (i32.add (i32.mul (i32.sub (local.get $i) (local.get $r0)) (local.get $ncols)) (i32.sub (local.get $j) (local.get $c0))))
            (local.set $pj (f64.load (i32.add (local.get $accuracy) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $exp (f64.add (f64.mul (local.get $pi) (local.get $pj))
              (f64.mul (local.get $qi) (f64.sub (f64.const 1) (local.get $pj)))))
            (local.set $obs (f64.div
              (f64.convert_i32_u (i32.add
                (i32.sub (i32.sub (local.get $trials) (local.get $ki))
                  (i32.load (i32.add (local.get $correct) (i32.shl (local.get $j) (i32.const 2)))))
                (i32.shl (i32.load (i32.add (local.get $counts) (i32.shl (local.get $at) (i32.const 2)))) (i32.const 1))))
              (local.get $n)))
            (f64.store (i32.add (local.get $out) (i32.shl (local.get $at) (i32.const 3)))
              (select (f64.const nan)
                (f64.div (f64.sub (local.get $obs) (local.get $exp)) (f64.sub (f64.const 1) (local.get $exp)))
                (f64.eq (local.get $exp) (f64.const 1))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

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
