;; trialwise CAPA kernel: float32 dot products of every pair of models' probability vectors,
;; hand-written WebAssembly text (SIMD, f32x4), compiled by scripts/build-wasm.ts (wabt) into
;; src/kernel/kernel-wasm.ts.
;;
;; CAPA's observed agreement of models a and b is (1 / items) * sum_k P[a][k] P[b][k] over the
;; flat vectors of all items' option probabilities; for all pairs that is the matrix product
;; P P^T. This module computes blocks of it; src/kernel/capa-kernel.ts does the rest.
;;
;; Layout read here: "triplet-interleaved". Models 3t, 3t+1, 3t+2 form triplet t; their values
;; k..k+3 (one v128 each) lie at byte base + t * (groups * 48) + (k / 4) * 48: first model 3t's
;; four floats, then 3t+1's, then 3t+2's. `groups` = ceil(width / 4); padding (missing models,
;; values past the width) is 0. A 3 x 3 register block (triplet r against triplet c) then needs
;; two pointers and six loads per four values for nine products, and holds 9 accumulators, 3
;; values of r and 1 of c: 14 of the 15 SIMD registers V8 allocates on x64 (4 x 4 would need 24
;; and spills).
;;
;; Precision: the nine sums run in float32 over one cache block (`chunk` groups of four values:
;; each lane adds chunk products), then are added, in float64, into the output.
;;
;; Multiply-adds: written here as f32x4.mul then f32x4.add (every engine with SIMD). The build
;; also makes a variant with each of the nine replaced by relaxed SIMD's fused f32x4.relaxed_madd
;; (one instruction on CPUs with FMA: about 3 times the throughput on the benchmark machine),
;; used where the engine accepts it (Node 22 and later; Node 20 with
;; --experimental-wasm-relaxed-simd, which src/kernel/capa-kernel.ts sets itself unless
;; TRIALWISE_NO_V8_FLAGS is set); src/kernel/capa-kernel.ts picks.
;;
;; The memory is imported. The build makes two binaries from this file: as written (a shared
;; memory: worker threads read one copy) and with `shared` removed from the import below.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The 3 x 3 register block: triplets at byte addresses $a (models a0, a1, a2) and $b (b0, b1,
  ;; b2), $n groups of four values each; adds the nine sums of a_i . b_j to the f64 matrix at
  ;; byte address $out (row stride $stride bytes): out[i][j] += a_i . b_j, each sum's four lanes
  ;; converted to float64 and added (written out: V8 does not inline calls).
  (func $block3x3 (param $a i32) (param $b i32) (param $n i32) (param $out i32) (param $stride i32)
    (local $c00 v128) (local $c01 v128) (local $c02 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128)
    (local $c20 v128) (local $c21 v128) (local $c22 v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $y v128)
    (local $d v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $n) (i32.const 48))))
    (if (i32.lt_u (local.get $a) (local.get $end))
      (then
        (loop $steps
          (local.set $x0 (v128.load (local.get $a)))
          (local.set $x1 (v128.load offset=16 (local.get $a)))
          (local.set $x2 (v128.load offset=32 (local.get $a)))
          (local.set $y (v128.load (local.get $b)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x0) (local.get $y))))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x1) (local.get $y))))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x2) (local.get $y))))
          (local.set $y (v128.load offset=16 (local.get $b)))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x0) (local.get $y))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x1) (local.get $y))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x2) (local.get $y))))
          (local.set $y (v128.load offset=32 (local.get $b)))
          (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $x0) (local.get $y))))
          (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $x1) (local.get $y))))
          (local.set $c22 (f32x4.add (local.get $c22) (f32x4.mul (local.get $x2) (local.get $y))))
          (local.set $a (i32.add (local.get $a) (i32.const 48)))
          (local.set $b (i32.add (local.get $b) (i32.const 48)))
          (br_if $steps (i32.lt_u (local.get $a) (local.get $end))))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c00)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c00) (local.get $c00)))))
    (f64.store offset=0 (local.get $out) (f64.add (f64.load offset=0 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c01)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c01) (local.get $c01)))))
    (f64.store offset=8 (local.get $out) (f64.add (f64.load offset=8 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c02)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c02) (local.get $c02)))))
    (f64.store offset=16 (local.get $out) (f64.add (f64.load offset=16 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $out (i32.add (local.get $out) (local.get $stride)))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c10)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c10) (local.get $c10)))))
    (f64.store offset=0 (local.get $out) (f64.add (f64.load offset=0 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c11)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c11) (local.get $c11)))))
    (f64.store offset=8 (local.get $out) (f64.add (f64.load offset=8 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c12)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c12) (local.get $c12)))))
    (f64.store offset=16 (local.get $out) (f64.add (f64.load offset=16 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $out (i32.add (local.get $out) (local.get $stride)))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c20)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c20) (local.get $c20)))))
    (f64.store offset=0 (local.get $out) (f64.add (f64.load offset=0 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c21)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c21) (local.get $c21)))))
    (f64.store offset=8 (local.get $out) (f64.add (f64.load offset=8 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d)))))
    (local.set $d (f64x2.add (f64x2.promote_low_f32x4 (local.get $c22)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $c22) (local.get $c22)))))
    (f64.store offset=16 (local.get $out) (f64.add (f64.load offset=16 (local.get $out)) (f64.add (f64x2.extract_lane 0 (local.get $d)) (f64x2.extract_lane 1 (local.get $d))))))

  ;; One tile: triplets $r0..$r1-1 of the block at byte address $rows against triplets
  ;; $c0..$c1-1 of the block at $cols (both triplet-interleaved, $groups groups of four values
  ;; per model), added to the f64 matrix at byte address $out, row-major with $width entries
  ;; per row: out[3 (r - r0) + i][3 (c - c0) + j] += (model 3r + i) . (model 3c + j). With
  ;; $upper = 1 (rows and columns the same block and r0 = c0) only blocks with c >= r are
  ;; computed; the others stay as they are. $chunk: groups per cache block (0: all at once).
  (func (export "capaTile")
    (param $rows i32) (param $cols i32) (param $groups i32)
    (param $r0 i32) (param $r1 i32) (param $c0 i32) (param $c1 i32)
    (param $out i32) (param $width i32) (param $upper i32) (param $chunk i32)
    (local $k0 i32) (local $n i32) (local $r i32) (local $c i32) (local $model i32) (local $stride i32)
    (local $a i32) (local $rowOut i32)
    (if (i32.eqz (local.get $chunk)) (then (local.set $chunk (local.get $groups))))
    (local.set $model (i32.mul (local.get $groups) (i32.const 48)))
    (local.set $stride (i32.shl (local.get $width) (i32.const 3)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $k0) (local.get $groups)))
        (local.set $n (i32.sub (local.get $groups) (local.get $k0)))
        (if (i32.gt_u (local.get $n) (local.get $chunk)) (then (local.set $n (local.get $chunk))))
        (local.set $r (local.get $r0))
        (block $rowsDone
          (loop $eachRow
            (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
            (local.set $a (i32.add (i32.add (local.get $rows) (i32.mul (local.get $r) (local.get $model))) (i32.mul (local.get $k0) (i32.const 48))))
            (local.set $rowOut (i32.add (local.get $out) (i32.mul (i32.mul (i32.sub (local.get $r) (local.get $r0)) (i32.const 3)) (local.get $stride))))
            (local.set $c (if (result i32) (local.get $upper) (then (local.get $r)) (else (local.get $c0))))
            (block $colsDone
              (loop $eachCol
                (br_if $colsDone (i32.ge_u (local.get $c) (local.get $c1)))
                (call $block3x3
                  (local.get $a)
                  (i32.add (i32.add (local.get $cols) (i32.mul (local.get $c) (local.get $model))) (i32.mul (local.get $k0) (i32.const 48)))
                  (local.get $n)
                  (i32.add (local.get $rowOut) (i32.mul (i32.sub (local.get $c) (local.get $c0)) (i32.const 24)))
                  (local.get $stride))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $eachCol)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $eachRow)))
        (local.set $k0 (i32.add (local.get $k0) (local.get $n)))
        (br $blocks))))

  ;; Writes $count models' rows of float32 values (row-major, $width values each, at byte
  ;; address $from) into the triplet-interleaved block at byte address $to ($groups groups of
  ;; four per model), as models $first..$first+$count-1 of that block, and zeroes the padding
  ;; lanes of each model's last group (the memory is reused between runs).
  (func (export "interleave")
    (param $from i32) (param $width i32) (param $count i32) (param $to i32) (param $groups i32) (param $first i32)
    (local $m i32) (local $src i32) (local $dst i32) (local $end i32) (local $full i32) (local $k i32)
    (local.set $full (i32.shr_u (local.get $width) (i32.const 2)))
    (block $done
      (loop $models
        (br_if $done (i32.ge_u (local.get $m) (local.get $count)))
        (local.set $src (i32.add (local.get $from) (i32.mul (i32.mul (local.get $m) (local.get $width)) (i32.const 4))))
        (local.set $dst
          (i32.add
            (i32.add (local.get $to) (i32.mul (i32.div_u (i32.add (local.get $first) (local.get $m)) (i32.const 3)) (i32.mul (local.get $groups) (i32.const 48))))
            (i32.shl (i32.rem_u (i32.add (local.get $first) (local.get $m)) (i32.const 3)) (i32.const 4))))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $full) (i32.const 4))))
        (if (i32.lt_u (local.get $src) (local.get $end))
          (then
            (loop $groupsOf4
              (v128.store (local.get $dst) (v128.load (local.get $src)))
              (local.set $src (i32.add (local.get $src) (i32.const 16)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 48)))
              (br_if $groupsOf4 (i32.lt_u (local.get $src) (local.get $end))))))
        ;; the last 1 to 3 values of a width that is not a multiple of 4, then zeros to the group's end
        (if (i32.and (local.get $width) (i32.const 3))
          (then
            (local.set $k (i32.const 0))
            (block $tailDone
              (loop $tail
                (br_if $tailDone (i32.ge_u (local.get $k) (i32.const 4)))
                (f32.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
                  (if (result f32) (i32.lt_u (local.get $k) (i32.and (local.get $width) (i32.const 3)))
                    (then (f32.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))))
                    (else (f32.const 0))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tail)))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $models))))
)
