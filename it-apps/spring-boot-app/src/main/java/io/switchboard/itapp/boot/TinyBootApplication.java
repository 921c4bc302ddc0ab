package io.switchboard.itapp.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Spring Boot web application that knows of Switchboard only through the starter and the bean it injects. */
@SpringBootApplication
public class TinyBootApplication {

    public static void main(String[] args) {
        SpringApplication.run(TinyBootApplication.class, args);
    }
}
