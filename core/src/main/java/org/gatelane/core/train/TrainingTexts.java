package org.gatelane.core.train;

import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;

/**
 * The text a run learns and the text it is validated on: a held-out tail of the same corpus, or another.
 *
 * @param training       the training text
 * @param trainEnd       where training stops in {@code training}
 * @param validation     the validation text (may be {@code training})
 * @param validationFrom where validation starts in {@code validation}; its length means no validation
 */
public record TrainingTexts(Corpus training, int trainEnd, Corpus validation, int validationFrom) {

    /**
     * The last {@code fraction} of {@code text} held out; 0 for no validation.
     *
     * @throws CorpusException if the tail would hold a single character, too short to score
     */
    public static TrainingTexts heldOut(Corpus text, double fraction) {
        int validationLength = (int) (text.length() * fraction);
        if (validationLength > 0 && validationLength < 2) {
            throw new CorpusException("the validation tail would hold " + validationLength
                    + " character; use a longer text or --val-fraction 0");
        }
        return new TrainingTexts(text, text.length() - validationLength, text, text.length() - validationLength);
    }

    /**
     * All of {@code training} for training, all of {@code validation} (over the same vocabulary) for validation.
     *
     * @throws CorpusException if the validation text has fewer than 2 characters
     */
    public static TrainingTexts separate(Corpus training, Corpus validation, String validationName) {
        if (validation.length() < 2) {
            throw new CorpusException(validationName + " holds " + validation.length() + " character; validation "
                    + "needs at least 2");
        }
        return new TrainingTexts(training, training.length(), validation, 0);
    }

    /** Whether there is a validation text. */
    public boolean validates() {
        return validationFrom < validation.length();
    }

    /** Characters validated on. */
    public int validationLength() {
        return validation.length() - validationFrom;
    }
}
