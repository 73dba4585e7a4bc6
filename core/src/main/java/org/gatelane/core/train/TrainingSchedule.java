package org.gatelane.core.train;

import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The learning rate over a run, and when to stop it: a base schedule (constant, step decay, cosine, or decay on
 * a validation plateau), a linear warmup, and a multiplier that plateaus and rollbacks lower. It learns from
 * each {@link #validated validation} which loss is the best so far and how many validations have passed
 * without improving on it. Its whole mutable state is a {@link State}, so a checkpoint can save it and a
 * resumed run continues the same rates.
 */
public final class TrainingSchedule implements LearningRateSchedule {

    /** The shape of the base schedule. */
    public enum Kind {
        /** The same rate throughout. */
        CONSTANT,
        /** {@code rate · decay^⌊step / decayEvery⌋}, char-rnn's decay after every epoch. */
        STEP,
        /** Half a cosine from {@code rate} down to 0 over {@code horizon} steps (or a time budget), 0 after. */
        COSINE,
        /** A straight line from {@code rate} down to 0 over {@code horizon} steps (or a time budget), 0 after. */
        LINEAR,
        /**
         * {@code rate} held, then a straight line down to 0 over the last {@link #COOLDOWN_SHARE} of {@code horizon}
         * steps (or of a time budget), 0 after: the constant rate's progress, and an annealed end.
         */
        COOLDOWN,
        /** Multiply the rate by {@code decay} after {@code patience} validations without improvement. */
        PLATEAU;

        /** Parses {@code constant|step|cosine|linear|cooldown|plateau}, case-insensitive. */
        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown schedule '" + name + "'; use constant, step, cosine, "
                        + "linear, cooldown or plateau");
            }
        }
    }

    /**
     * @param kind       the base schedule
     * @param rate       the peak learning rate
     * @param decay      the factor of {@link Kind#STEP} and {@link Kind#PLATEAU}, in {@code (0, 1]}
     * @param decayEvery steps between {@link Kind#STEP} decays
     * @param horizon    steps of the {@link Kind#COSINE}, {@link Kind#LINEAR} and {@link Kind#COOLDOWN} descents
     * @param warmup     steps of linear warmup from {@code rate / warmup} up to {@code rate}; 0 for none
     * @param patience   validations without improvement before a {@link Kind#PLATEAU} decay
     */
    public record Settings(Kind kind, float rate, float decay, long decayEvery, long horizon, int warmup,
                           int patience) {

        public Settings {
            if (!(rate > 0) || !(decay > 0 && decay <= 1) || decayEvery < 1 || horizon < 1 || warmup < 0
                    || patience < 1) {
                throw new IllegalArgumentException("schedule settings need rate > 0, decay in (0, 1], decayEvery, "
                        + "horizon and patience >= 1, warmup >= 0; got " + this);
            }
        }

        /** A constant rate. */
        public static Settings constant(float rate) {
            return new Settings(Kind.CONSTANT, rate, 1f, 1, 1, 0, 1);
        }
    }

    /**
     * The mutable part.
     *
     * @param multiplier scales the base rate: plateau decays and rollbacks lower it
     * @param best       the lowest validation loss so far, {@code +∞} before the first
     * @param sinceBest  validations since {@code best} was reached (what early stopping counts)
     * @param sinceDecay validations without improvement since the last plateau decay
     */
    public record State(float multiplier, double best, int sinceBest, int sinceDecay) {

        public static final State INITIAL = new State(1f, Double.POSITIVE_INFINITY, 0, 0);
    }

    /** The share of the horizon {@link Kind#COOLDOWN} descends over. */
    public static final double COOLDOWN_SHARE = 0.2;

    private final Settings settings;
    private State state = State.INITIAL;
    /** The share of a time budget spent, which the descents follow instead of steps; null for none. */
    private DoubleSupplier timeSpent;

    public TrainingSchedule(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    public State state() {
        return state;
    }

    /**
     * Makes the cosine, linear and cooldown descents follow a time budget: {@code spent} gives the share of it
     * spent so far (0 at the start, 1 at the deadline). Warmup still counts steps.
     */
    public void followTime(DoubleSupplier spent) {
        this.timeSpent = spent;
    }

    /** Continues from a saved state. */
    public void restore(State saved) {
        this.state = saved;
    }

    @Override
    public float rate(long step) {
        float base = switch (settings.kind()) {
            case CONSTANT, PLATEAU -> settings.rate();
            case STEP -> (float) (settings.rate() * Math.pow(settings.decay(), step / settings.decayEvery()));
            case COSINE -> cosine(done(step));
            case LINEAR -> descent(done(step), 1);
            case COOLDOWN -> descent(done(step), COOLDOWN_SHARE);
        };
        if (step < settings.warmup()) {
            base = base * (step + 1) / settings.warmup();
        }
        return base * state.multiplier();
    }

    /** How far a descent has come at {@code step}: the share of the time budget spent, or of the horizon. */
    private double done(long step) {
        return timeSpent != null ? timeSpent.getAsDouble() : (double) step / settings.horizon();
    }

    /** The rate held, then a straight line to 0 over the last {@code share} of the way. */
    private float descent(double done, double share) {
        return (float) (settings.rate() * Math.clamp((1 - done) / share, 0, 1));
    }

    private float cosine(double done) {
        return done >= 1 ? 0f : (float) (settings.rate() * 0.5 * (1 + Math.cos(Math.PI * done)));
    }

    /**
     * Records a validation loss: whether it improves on the best, and for {@link Kind#PLATEAU} the decay of the
     * rate once {@code patience} validations in a row have not improved.
     *
     * @return true if {@code loss} is the best so far
     */
    public boolean validated(double loss) {
        if (loss < state.best()) {
            state = new State(state.multiplier(), loss, 0, 0);
            return true;
        }
        int sinceDecay = state.sinceDecay() + 1;
        float multiplier = state.multiplier();
        if (settings.kind() == Kind.PLATEAU && sinceDecay >= settings.patience()) {
            multiplier *= settings.decay();
            sinceDecay = 0;
        }
        state = new State(multiplier, state.best(), state.sinceBest() + 1, sinceDecay);
        return false;
    }

    /** Halves the rate from now on: the step back after a rollback from non-finite values. */
    public void halve() {
        state = new State(state.multiplier() * 0.5f, state.best(), state.sinceBest(), state.sinceDecay());
    }

    /** Validations since the best one: stop early when this reaches the patience the user gave. */
    public int validationsSinceBest() {
        return state.sinceBest();
    }
}
