package org.caravan;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Boots the engine; everything else is wired by configuration and routes. */
@SpringBootApplication
public class CaravanApplication {
    public static void main(String[] args) {
        SpringApplication.run(CaravanApplication.class, args);
    }
}
