/** The side of the square image every SAM-family encoder takes (its "input frame"). */
export const INPUT_SIDE = 1024;
/** The side of the decoder's low-res logits (and of `mask_input`). */
export const LOW_RES_SIDE = 256;
