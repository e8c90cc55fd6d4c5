package org.caravan.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad mta.yaml into one clear line at start instead of a stack trace of bean errors. */
public class ConfigFailureAnalyzer extends AbstractFailureAnalyzer<ConfigException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigException cause) {
        return new FailureAnalysis("Invalid Caravan configuration: " + cause.getMessage(),
                "Fix the named key in the named file (see README, Configuration) and start again.", cause);
    }
}
